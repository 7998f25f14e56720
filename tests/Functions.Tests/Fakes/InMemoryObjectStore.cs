using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Tests.Fakes;

public sealed class InMemoryObjectStore : IObjectStore
{
    private readonly SortedDictionary<string, long> objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> texts = new(StringComparer.Ordinal);

    public List<string> Listings { get; } = [];

    public InMemoryObjectStore Put(string key, long size = 10)
    {
        objects[key] = size;
        return this;
    }

    public Task<PrefixListing> ListAsync(string bucket, string prefix, int maxKeys, CancellationToken cancellationToken)
    {
        Listings.Add($"{bucket}/{prefix}");
        var matching = objects.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var page = matching.Take(maxKeys).Select(o => new StoredObject(o.Key, o.Value)).ToList();
        return Task.FromResult(new PrefixListing(page, matching.Count > maxKeys));
    }

    public Task<string?> ReadTextAsync(string bucket, string key, CancellationToken cancellationToken) =>
        Task.FromResult(texts.GetValueOrDefault(key));

    public Task WriteTextAsync(string bucket, string key, string text, CancellationToken cancellationToken)
    {
        texts[key] = text;
        objects[key] = text.Length;
        return Task.CompletedTask;
    }
}
