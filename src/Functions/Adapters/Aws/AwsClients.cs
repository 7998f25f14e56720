using Amazon.DynamoDBv2;
using Amazon.EC2;
using Amazon.S3;
using Amazon.SimpleSystemsManagement;

namespace Pipeline.Functions.Adapters.Aws;

/// <summary>
/// One client per service per process, created on first use: a Lambda container reuses them across
/// invocations, and a function that never touches a service never pays for its client. Region and
/// credentials come from the standard environment; AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3, ...)
/// points them at an emulator without code changes.
/// </summary>
public sealed class AwsClients : IDisposable
{
    private readonly Lazy<IAmazonS3> s3 = new(() => new AmazonS3Client(new AmazonS3Config
    {
        // Emulators answer on one host name, so buckets must go in the path rather than the host.
        ForcePathStyle = EndpointOverridden("S3"),
    }));

    private readonly Lazy<IAmazonEC2> ec2 = new(() => new AmazonEC2Client());
    private readonly Lazy<IAmazonSimpleSystemsManagement> ssm = new(() => new AmazonSimpleSystemsManagementClient());
    private readonly Lazy<IAmazonDynamoDB> dynamoDb = new(() => new AmazonDynamoDBClient());

    public IAmazonS3 S3 => s3.Value;

    public IAmazonEC2 Ec2 => ec2.Value;

    public IAmazonSimpleSystemsManagement Ssm => ssm.Value;

    public IAmazonDynamoDB DynamoDb => dynamoDb.Value;

    public void Dispose()
    {
        if (s3.IsValueCreated) s3.Value.Dispose();
        if (ec2.IsValueCreated) ec2.Value.Dispose();
        if (ssm.IsValueCreated) ssm.Value.Dispose();
        if (dynamoDb.IsValueCreated) dynamoDb.Value.Dispose();
    }

    private static bool EndpointOverridden(string service) =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL"))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable($"AWS_ENDPOINT_URL_{service}"));
}
