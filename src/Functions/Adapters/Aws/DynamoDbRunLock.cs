using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Adapters.Aws;

/// <summary>
/// The run lock as one DynamoDB item per cluster, taken and released with conditional writes, so two
/// runs racing for it cannot both win. Table key: clusterName (string).
/// </summary>
public sealed class DynamoDbRunLock(IAmazonDynamoDB dynamoDb, string tableName) : IRunLock
{
    public const string KeyAttribute = "clusterName";

    public async Task<LockTake> TryAcquireAsync(string clusterName, string runId, DateTimeOffset now, DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        try
        {
            var response = await dynamoDb.PutItemAsync(
                new PutItemRequest
                {
                    TableName = tableName,
                    Item = new Dictionary<string, AttributeValue>
                    {
                        [KeyAttribute] = new() { S = clusterName },
                        ["runId"] = new() { S = runId },
                        ["acquiredAt"] = new() { N = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
                    },
                    ConditionExpression = "attribute_not_exists(#key) OR #run = :run OR #at < :stale",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#key"] = KeyAttribute, ["#run"] = "runId", ["#at"] = "acquiredAt" },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":run"] = new() { S = runId },
                        [":stale"] = new() { N = staleBefore.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
                    },
                    ReturnValues = ReturnValue.ALL_OLD,
                },
                cancellationToken).ConfigureAwait(false);
            return new LockTake(true, ToHolder(response.Attributes), new LockHolder(runId, now));
        }
        catch (ConditionalCheckFailedException)
        {
            return new LockTake(false, null, await GetAsync(clusterName, cancellationToken).ConfigureAwait(false));
        }
    }

    public async Task<(bool Released, LockHolder? Holder)> ReleaseAsync(string clusterName, string runId, CancellationToken cancellationToken)
    {
        try
        {
            await dynamoDb.DeleteItemAsync(
                new DeleteItemRequest
                {
                    TableName = tableName,
                    Key = Key(clusterName),
                    ConditionExpression = "#run = :run",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#run"] = "runId" },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":run"] = new() { S = runId } },
                },
                cancellationToken).ConfigureAwait(false);
            return (true, null);
        }
        catch (ConditionalCheckFailedException)
        {
            return (false, await GetAsync(clusterName, cancellationToken).ConfigureAwait(false));
        }
    }

    public async Task<LockHolder?> GetAsync(string clusterName, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(clusterName), ConsistentRead = true }, cancellationToken).ConfigureAwait(false);
        return ToHolder(response.Item);
    }

    private static Dictionary<string, AttributeValue> Key(string clusterName) => new() { [KeyAttribute] = new() { S = clusterName } };

    private static LockHolder? ToHolder(Dictionary<string, AttributeValue>? item)
    {
        if (item is null || item.Count == 0 || !item.TryGetValue("runId", out var run) || run.S is null)
        {
            return null;
        }

        var at = item.TryGetValue("acquiredAt", out var n) && long.TryParse(n.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : DateTimeOffset.UnixEpoch;
        return new LockHolder(run.S, at);
    }
}
