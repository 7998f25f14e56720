using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Adapters.Aws;

/// <summary>
/// The run lock as one DynamoDB item per cluster (key: clusterName). Each operation is one
/// conditional UpdateItem, so the condition and the change are atomic; the item outlives a release
/// so that its fencing token keeps growing.
/// </summary>
public sealed class DynamoDbRunLock(IAmazonDynamoDB dynamoDb, string tableName) : IRunLock
{
    public const string KeyAttribute = "clusterName";

    private const string HolderOrTokenMatch = "#holder = :holder AND #token = :token";

    private static readonly Dictionary<string, string> Names = new()
    {
        ["#holder"] = "holder",
        ["#kind"] = "holderKind",
        ["#token"] = "token",
        ["#at"] = "acquiredAt",
        ["#lease"] = "leaseUntil",
        ["#abandoned"] = "abandoned",
        ["#reason"] = "reason",
    };

    public async Task<LockState?> GetAsync(string clusterName, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(clusterName), ConsistentRead = true }, cancellationToken).ConfigureAwait(false);
        return ToState(response.Item);
    }

    public async Task<LockGrant?> AcquireAsync(string clusterName, LockRequest request, CancellationToken cancellationToken)
    {
        // Already ours (a retried take): extend the lease, keep the token.
        var kept = await UpdateAsync(
            clusterName,
            "SET #lease = :lease",
            "#holder = :holder AND attribute_not_exists(#abandoned)",
            new() { [":holder"] = S(request.Holder), [":lease"] = N(request.LeaseUntil) },
            ReturnValue.ALL_NEW,
            cancellationToken).ConfigureAwait(false);
        if (kept is not null)
        {
            var state = ToState(kept)!;
            return new LockGrant(request.Holder, state.Token, state.LeaseUntil, state);
        }

        // Free, abandoned or past its lease: a new holder, a new token.
        var values = new Dictionary<string, AttributeValue>
        {
            [":holder"] = S(request.Holder),
            [":kind"] = S(request.Kind.ToString()),
            [":now"] = N(request.Now),
            [":lease"] = N(request.LeaseUntil),
            [":zero"] = new() { N = "0" },
            [":one"] = new() { N = "1" },
        };
        var set = "SET #holder = :holder, #kind = :kind, #at = :now, #lease = :lease, #token = if_not_exists(#token, :zero) + :one";
        if (request.Reason is not null)
        {
            values[":reason"] = S(request.Reason);
            set += ", #reason = :reason REMOVE #abandoned";
        }
        else
        {
            set += " REMOVE #abandoned, #reason";
        }

        var old = await UpdateAsync(
            clusterName,
            set,
            "attribute_not_exists(#holder) OR attribute_exists(#abandoned) OR #lease < :now",
            values,
            ReturnValue.ALL_OLD,
            cancellationToken).ConfigureAwait(false);
        if (old is null)
        {
            return null;
        }

        var previous = ToState(old);
        var previousToken = old.TryGetValue("token", out var t) ? Number(t) : 0;
        return new LockGrant(request.Holder, previousToken + 1, request.LeaseUntil, previous);
    }

    public async Task<bool> RenewAsync(string clusterName, string holder, long token, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        await UpdateAsync(
            clusterName,
            "SET #lease = :lease",
            HolderOrTokenMatch + " AND attribute_not_exists(#abandoned)",
            new() { [":holder"] = S(holder), [":token"] = N(token), [":lease"] = N(leaseUntil) },
            ReturnValue.NONE,
            cancellationToken).ConfigureAwait(false) is not null;

    public async Task<bool> ReleaseAsync(string clusterName, string holder, long token, CancellationToken cancellationToken) =>
        await UpdateAsync(
            clusterName,
            "REMOVE #holder, #kind, #at, #lease, #abandoned, #reason",
            HolderOrTokenMatch,
            new() { [":holder"] = S(holder), [":token"] = N(token) },
            ReturnValue.NONE,
            cancellationToken).ConfigureAwait(false) is not null;

    public async Task<bool> AbandonAsync(string clusterName, string holder, long token, string reason, CancellationToken cancellationToken) =>
        await UpdateAsync(
            clusterName,
            "SET #abandoned = :reason",
            HolderOrTokenMatch,
            new() { [":holder"] = S(holder), [":token"] = N(token), [":reason"] = S(reason) },
            ReturnValue.NONE,
            cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>The item's attributes as asked for, or null when the condition did not hold.</summary>
    private async Task<Dictionary<string, AttributeValue>?> UpdateAsync(
        string clusterName,
        string update,
        string condition,
        Dictionary<string, AttributeValue> values,
        ReturnValue returnValues,
        CancellationToken cancellationToken)
    {
        var used = Names.Where(n => update.Contains(n.Key, StringComparison.Ordinal) || condition.Contains(n.Key, StringComparison.Ordinal))
            .ToDictionary(n => n.Key, n => n.Value);
        try
        {
            var response = await dynamoDb.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = tableName,
                    Key = Key(clusterName),
                    UpdateExpression = update,
                    ConditionExpression = condition,
                    ExpressionAttributeNames = used,
                    ExpressionAttributeValues = values,
                    ReturnValues = returnValues,
                },
                cancellationToken).ConfigureAwait(false);
            return response.Attributes ?? [];
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    private static Dictionary<string, AttributeValue> Key(string clusterName) => new() { [KeyAttribute] = S(clusterName) };

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static AttributeValue N(DateTimeOffset at) => N(at.ToUnixTimeMilliseconds());

    private static long Number(AttributeValue value) =>
        long.TryParse(value.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static DateTimeOffset Time(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(Number(v), 0, 253_402_300_799_999)) : DateTimeOffset.UnixEpoch;

    private static LockState? ToState(Dictionary<string, AttributeValue>? item)
    {
        if (item is null || item.Count == 0)
        {
            return null;
        }

        var holder = item.TryGetValue("holder", out var h) ? h.S : null;
        var kind = item.TryGetValue("holderKind", out var k) && Enum.TryParse<HolderKind>(k.S, out var parsed) ? parsed : HolderKind.Run;
        return new LockState(
            holder,
            kind,
            item.TryGetValue("token", out var t) ? Number(t) : 0,
            Time(item, "acquiredAt"),
            Time(item, "leaseUntil"),
            item.TryGetValue("abandoned", out var a) ? a.S : null,
            item.TryGetValue("reason", out var r) ? r.S : null);
    }
}
