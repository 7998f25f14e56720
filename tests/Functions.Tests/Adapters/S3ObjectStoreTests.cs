using Amazon.S3.Model;
using Pipeline.Functions.Adapters.Aws;

namespace Pipeline.Functions.Tests.Adapters;

[Collection(MotoCollection.Name)]
public sealed class S3ObjectStoreTests(MotoFixture moto)
{
    private async Task<string> BucketWithAsync(params string[] keys)
    {
        var bucket = "data-" + Guid.NewGuid().ToString("N")[..12];
        await moto.Aws.S3.PutBucketAsync(bucket);
        foreach (var key in keys)
        {
            await moto.Aws.S3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "x" });
        }

        return bucket;
    }

    [Fact]
    public async Task Lists_only_the_objects_under_the_prefix_with_their_sizes()
    {
        var bucket = await BucketWithAsync("raw/dt=2026-02-12/a.parquet", "raw/dt=2026-02-12/b.parquet", "raw/dt=2026-02-11/c.parquet");
        var listing = await new S3ObjectStore(moto.Aws.S3).ListAsync(bucket, "raw/dt=2026-02-12/", 1000, CancellationToken.None);
        Assert.Equal(["raw/dt=2026-02-12/a.parquet", "raw/dt=2026-02-12/b.parquet"], listing.Objects.Select(o => o.Key));
        Assert.All(listing.Objects, o => Assert.Equal(1, o.Size));
        Assert.False(listing.Truncated);
    }

    [Fact]
    public async Task An_empty_prefix_is_an_empty_listing_not_an_error()
    {
        var bucket = await BucketWithAsync();
        var listing = await new S3ObjectStore(moto.Aws.S3).ListAsync(bucket, "raw/dt=2026-02-12/", 1000, CancellationToken.None);
        Assert.Empty(listing.Objects);
    }

    [Fact]
    public async Task A_marker_is_found_by_listing_its_exact_key()
    {
        var bucket = await BucketWithAsync("out/dt=2026-02-12/_SUCCESS", "out/dt=2026-02-12/part-0.parquet");
        var listing = await new S3ObjectStore(moto.Aws.S3).ListAsync(bucket, "out/dt=2026-02-12/_SUCCESS", 1, CancellationToken.None);
        Assert.Equal("out/dt=2026-02-12/_SUCCESS", Assert.Single(listing.Objects).Key);
    }

    [Fact]
    public async Task MaxKeys_truncates_and_says_so()
    {
        var bucket = await BucketWithAsync("p/1", "p/2", "p/3");
        var listing = await new S3ObjectStore(moto.Aws.S3).ListAsync(bucket, "p/", 2, CancellationToken.None);
        Assert.Equal(2, listing.Objects.Count);
        Assert.True(listing.Truncated);
    }
}
