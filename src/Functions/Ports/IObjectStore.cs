namespace Pipeline.Functions.Ports;

public sealed record StoredObject(string Key, long Size);

public sealed record PrefixListing(IReadOnlyList<StoredObject> Objects, bool Truncated);

/// <summary>The data bucket, as far as a run needs it: what is under a prefix.</summary>
public interface IObjectStore
{
    /// <summary>Lists up to <paramref name="maxKeys"/> objects under the prefix, in key order.</summary>
    Task<PrefixListing> ListAsync(string bucket, string prefix, int maxKeys, CancellationToken cancellationToken);

    /// <summary>The object's text, or null when there is no such key.</summary>
    Task<string?> ReadTextAsync(string bucket, string key, CancellationToken cancellationToken);

    Task WriteTextAsync(string bucket, string key, string text, CancellationToken cancellationToken);
}
