using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Functions.Adapters.Aws;
using Pipeline.Functions.Domain;

namespace Pipeline.Functions.Tests.Adapters;

/// <summary>Responses no healthy service sends, still turned into named errors rather than null references.</summary>
public sealed class MalformedResponseTests
{
    /// <summary>The SDK's client methods are virtual: override one to answer with a chosen response, no network.</summary>
    private sealed class S3Answering(ListObjectsV2Response response)
        : AmazonS3Client(new AnonymousAWSCredentials(), new AmazonS3Config { ServiceURL = "http://127.0.0.1:9", ForcePathStyle = true })
    {
        public override Task<ListObjectsV2Response> ListObjectsV2Async(ListObjectsV2Request request, CancellationToken cancellationToken = default) =>
            Task.FromResult(response);
    }

    private sealed class Ec2Answering(DescribeInstancesResponse response)
        : AmazonEC2Client(new AnonymousAWSCredentials(), new AmazonEC2Config { ServiceURL = "http://127.0.0.1:9" })
    {
        public override Task<DescribeInstancesResponse> DescribeInstancesAsync(DescribeInstancesRequest request, CancellationToken cancellationToken = default) =>
            Task.FromResult(response);
    }

    [Fact]
    public async Task An_s3_object_without_a_key_is_AwsResponseInvalid()
    {
        using var s3 = new S3Answering(new ListObjectsV2Response { S3Objects = [new S3Object { Key = null, Size = 3 }] });
        var e = await Assert.ThrowsAsync<PipelineException>(() => new S3ObjectStore(s3).ListAsync("b", "p/", 10, CancellationToken.None));
        Assert.Equal(ErrorNames.AwsResponseInvalid, e.ErrorName);
        Assert.Contains("s3://b/p/", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_s3_answer_without_any_collection_is_an_empty_listing()
    {
        using var s3 = new S3Answering(new ListObjectsV2Response());
        var listing = await new S3ObjectStore(s3).ListAsync("b", "p/", 10, CancellationToken.None);
        Assert.Empty(listing.Objects);
        Assert.False(listing.Truncated);
    }

    [Fact]
    public async Task An_instance_without_state_is_AwsResponseInvalid()
    {
        var instance = new Instance { InstanceId = "i-0000000000000000a", Tags = [new Amazon.EC2.Model.Tag("SparkRole", "master")] };
        using var ec2 = new Ec2Answering(new DescribeInstancesResponse { Reservations = [new Reservation { Instances = [instance] }] });
        var e = await Assert.ThrowsAsync<PipelineException>(() => new Ec2Fleet(ec2).FindAsync("pothole-spark", CancellationToken.None));
        Assert.Equal(ErrorNames.AwsResponseInvalid, e.ErrorName);
    }

    [Fact]
    public async Task An_instance_with_an_unexpected_role_is_named_in_the_error()
    {
        var instance = new Instance { InstanceId = "i-0000000000000000b", State = new InstanceState { Name = InstanceStateName.Running }, Tags = [new Amazon.EC2.Model.Tag("SparkRole", "gateway")] };
        using var ec2 = new Ec2Answering(new DescribeInstancesResponse { Reservations = [new Reservation { Instances = [instance] }] });
        var e = await Assert.ThrowsAsync<PipelineException>(() => new Ec2Fleet(ec2).FindAsync("pothole-spark", CancellationToken.None));
        Assert.Equal(ErrorNames.AwsResponseInvalid, e.ErrorName);
        Assert.Contains("i-0000000000000000b has SparkRole=gateway", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_reservations_at_all_is_an_empty_cluster_not_a_null_reference()
    {
        using var ec2 = new Ec2Answering(new DescribeInstancesResponse());
        Assert.Empty(await new Ec2Fleet(ec2).FindAsync("pothole-spark", CancellationToken.None));
    }
}
