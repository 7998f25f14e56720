using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>What a stage left under its output prefix; complete = Spark's _SUCCESS marker and at least one data object.</summary>
public sealed record StageOutput(string Prefix, bool HasMarker, IReadOnlyList<StoredObject> Data, bool MoreData)
{
    public const string SuccessMarker = "_SUCCESS";

    public bool Complete => HasMarker && Data.Count > 0;

    public static async Task<StageOutput> InspectAsync(IObjectStore store, string bucket, string prefix, CancellationToken cancellationToken)
    {
        var marker = await store.ListAsync(bucket, prefix + SuccessMarker, 1, cancellationToken).ConfigureAwait(false);
        var listing = await store.ListAsync(bucket, prefix, 1000, cancellationToken).ConfigureAwait(false);
        return new StageOutput(
            prefix,
            marker.Objects.Any(o => o.Key == prefix + SuccessMarker),
            listing.Objects.Where(o => IsData(prefix, o)).ToList(),
            listing.Truncated);
    }

    /// <summary>
    /// Data, as both the input check and the output check count it: not Spark's bookkeeping
    /// (_SUCCESS, _temporary/, .crc files start with '_' or '.'), not a folder placeholder (ends with
    /// '/'), and not empty.
    /// </summary>
    public static bool IsData(string prefix, StoredObject stored) => stored.Size > 0 && IsDataKey(prefix, stored.Key);

    private static bool IsDataKey(string prefix, string key)
    {
        var segments = key[prefix.Length..].Split('/');
        return segments[^1].Length > 0 && segments.All(s => s.Length == 0 || s[0] is not '_' and not '.');
    }
}
