using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Adapters.Aws;

public sealed class S3ObjectStore(IAmazonS3 s3) : IObjectStore
{
    public async Task<PrefixListing> ListAsync(string bucket, string prefix, int maxKeys, CancellationToken cancellationToken)
    {
        var response = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, MaxKeys = maxKeys }, cancellationToken).ConfigureAwait(false);
        // SDK v4 leaves collections null when the service returned none.
        var objects = (response.S3Objects ?? []).Select(o => new StoredObject(
                string.IsNullOrEmpty(o.Key) ? throw new PipelineException(ErrorNames.AwsResponseInvalid, $"ListObjectsV2 on s3://{bucket}/{prefix} returned an object without a key") : o.Key,
                o.Size ?? 0))
            .ToList();
        return new PrefixListing(objects, response.IsTruncated ?? false);
    }

    public async Task<string?> ReadTextAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(response.ResponseStream, System.Text.Encoding.UTF8);
            return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "NoSuchKey" || e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task WriteTextAsync(string bucket, string key, string text, CancellationToken cancellationToken) =>
        s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = text, ContentType = "application/json" }, cancellationToken);
}
