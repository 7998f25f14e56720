using System.Text.Json;
using Pipeline.Functions.Adapters.Aws;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Tests.Adapters;

/// <summary>The SSM adapter against canned wire responses, for the paths moto cannot produce.</summary>
public sealed class SsmWireTests : IDisposable
{
    private readonly FakeSsmEndpoint ssm = new();
    private readonly SsmCommandRunner runner;

    public SsmWireTests() => runner = new SsmCommandRunner(ssm.Client());

    public void Dispose() => ssm.Dispose();

    [Fact]
    public async Task Reachable_means_ping_status_online_across_pages()
    {
        ssm.Answer("DescribeInstanceInformation", 200, """{"InstanceInformationList":[{"InstanceId":"i-0000000000000000a","PingStatus":"Online"},{"InstanceId":"i-000000000000000b0","PingStatus":"ConnectionLost"}],"NextToken":"page2"}""");
        ssm.Answer("DescribeInstanceInformation", 200, """{"InstanceInformationList":[{"InstanceId":"i-000000000000000b1","PingStatus":"Online"}]}""");
        var online = await runner.ReachableAsync(["i-0000000000000000a", "i-000000000000000b0", "i-000000000000000b1", "i-000000000000000b2"], CancellationToken.None);
        Assert.Equal(["i-0000000000000000a", "i-000000000000000b1"], online.Order(StringComparer.Ordinal));
        var requests = ssm.Requests.Where(r => r.Operation == "DescribeInstanceInformation").ToList();
        Assert.Equal(2, requests.Count);
        using var first = JsonDocument.Parse(requests[0].Body);
        var filter = first.RootElement.GetProperty("Filters")[0];
        Assert.Equal("InstanceIds", filter.GetProperty("Key").GetString());
        Assert.Equal(4, filter.GetProperty("Values").GetArrayLength());
        Assert.Contains("\"NextToken\":\"page2\"", requests[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendCommand_asks_for_command_output_in_cloudwatch_logs()
    {
        ssm.Answer("SendCommand", 200, """{"Command":{"CommandId":"8a3f1c2e-0000-4000-8000-000000000001"}}""");
        var id = await runner.SendAsync(new CommandRequest(["i-0000000000000000a"], "true", new string('c', 150), 600, "/pothole-spark/commands"), CancellationToken.None);
        Assert.Equal("8a3f1c2e-0000-4000-8000-000000000001", id);
        ssm.Requests.TryPeek(out var request);
        using var body = JsonDocument.Parse(request.Body);
        Assert.True(body.RootElement.GetProperty("CloudWatchOutputConfig").GetProperty("CloudWatchOutputEnabled").GetBoolean());
        Assert.Equal("/pothole-spark/commands", body.RootElement.GetProperty("CloudWatchOutputConfig").GetProperty("CloudWatchLogGroupName").GetString());
        Assert.Equal(100, body.RootElement.GetProperty("Comment").GetString()!.Length);
    }

    [Fact]
    public async Task A_send_without_a_command_id_is_a_named_error()
    {
        ssm.Answer("SendCommand", 200, "{}");
        var e = await Assert.ThrowsAsync<PipelineException>(() => runner.SendAsync(new CommandRequest(["i-0000000000000000a"], "true", "c", 60, null), CancellationToken.None));
        Assert.Equal(ErrorNames.AwsResponseInvalid, e.ErrorName);
    }

    [Fact]
    public async Task InvocationDoesNotExist_right_after_sending_reads_as_not_yet_visible()
    {
        ssm.Answer("GetCommandInvocation", 400, """{"__type":"InvocationDoesNotExist","message":"no invocation yet"}""");
        var invocation = await runner.GetAsync("8a3f1c2e-0000-4000-8000-000000000001", "i-0000000000000000a", CancellationToken.None);
        Assert.Equal(CommandState.NotYetVisible, invocation.State);
    }

    [Theory]
    [InlineData("Failed", CommandState.Failed, 1)]
    [InlineData("TimedOut", CommandState.TimedOut, null)]
    [InlineData("Cancelled", CommandState.Cancelled, null)]
    [InlineData("InProgress", CommandState.Pending, null)]
    [InlineData("Delayed", CommandState.Pending, null)]
    [InlineData("Success", CommandState.Succeeded, 0)]
    public async Task Each_ssm_status_maps_to_a_command_state(string status, CommandState expected, int? exitCode)
    {
        var code = exitCode ?? -1;
        ssm.Answer("GetCommandInvocation", 200, $$"""{"Status":"{{status}}","ResponseCode":{{code}},"StandardErrorContent":"boom"}""");
        var invocation = await runner.GetAsync("8a3f1c2e-0000-4000-8000-000000000001", "i-0000000000000000a", CancellationToken.None);
        Assert.Equal(expected, invocation.State);
        Assert.Equal(exitCode, invocation.ExitCode);
        Assert.Equal("boom", invocation.StandardError);
    }

    [Fact]
    public async Task An_unknown_status_is_a_named_error_not_a_guess()
    {
        ssm.Answer("GetCommandInvocation", 200, """{"Status":"Exploded"}""");
        var e = await Assert.ThrowsAsync<PipelineException>(() => runner.GetAsync("8a3f1c2e-0000-4000-8000-000000000001", "i-0000000000000000a", CancellationToken.None));
        Assert.Equal(ErrorNames.AwsResponseInvalid, e.ErrorName);
    }
}
