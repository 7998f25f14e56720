using Amazon.DynamoDBv2.Model;
using Amazon.EC2.Model;
using Tag = Amazon.EC2.Model.Tag;
using Pipeline.Functions.Adapters.Aws;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Adapters;

/// <summary>One moto server for the adapter tests, with the production AwsClients pointed at it by environment only.</summary>
public sealed class MotoFixture : IDisposable
{
    public MotoFixture()
    {
        Moto = new MotoServer();
        Moto.UseFromThisProcess();
        Aws = new AwsClients();
    }

    public MotoServer Moto { get; }

    public AwsClients Aws { get; }

    public async Task<List<string>> LaunchClusterAsync(string cluster, int workers)
    {
        var ids = new List<string>();
        foreach (var role in Enumerable.Repeat(NodeTags.MasterRole, 1).Concat(Enumerable.Repeat(NodeTags.WorkerRole, workers)))
        {
            var response = await Aws.Ec2.RunInstancesAsync(new RunInstancesRequest
            {
                ImageId = "ami-12345678",
                InstanceType = "t3.medium",
                MinCount = 1,
                MaxCount = 1,
                TagSpecifications =
                [
                    new TagSpecification
                    {
                        ResourceType = "instance",
                        Tags = [new Tag(NodeTags.Cluster, cluster), new Tag(NodeTags.Role, role)],
                    },
                ],
            });
            ids.Add(response.Reservation.Instances[0].InstanceId);
        }

        return ids;
    }

    public Task CreateLockTableAsync(string table) =>
        Aws.DynamoDb.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            KeySchema = [new KeySchemaElement(DynamoDbRunLock.KeyAttribute, Amazon.DynamoDBv2.KeyType.HASH)],
            AttributeDefinitions = [new AttributeDefinition(DynamoDbRunLock.KeyAttribute, Amazon.DynamoDBv2.ScalarAttributeType.S)],
            BillingMode = Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST,
        });

    public void Dispose()
    {
        Aws.Dispose();
        Moto.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoFixture>
{
    public const string Name = "moto";
}
