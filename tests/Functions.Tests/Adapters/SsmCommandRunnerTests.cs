using Amazon.SimpleSystemsManagement.Model;
using Pipeline.Functions.Adapters.Aws;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Tests.Adapters;

[Collection(MotoCollection.Name)]
public sealed class SsmCommandRunnerTests(MotoFixture moto)
{
    [Fact]
    public async Task Sends_the_script_with_the_run_shell_script_document_timeout_and_log_group()
    {
        var ids = await moto.LaunchClusterAsync("c-" + Guid.NewGuid().ToString("N")[..10], workers: 1);
        var runner = new SsmCommandRunner(moto.Aws.Ssm);
        var script = "set -euo pipefail\n'echo' 'it''s'\n";
        var commandId = await runner.SendAsync(new CommandRequest(ids, script, "test: start", 900, "/pothole-spark/commands"), CancellationToken.None);

        // moto runs nothing, but keeps what was sent: read it back the way an operator would.
        var sent = (await moto.Aws.Ssm.ListCommandsAsync(new ListCommandsRequest { CommandId = commandId })).Commands.Single();
        Assert.Equal(SsmCommandRunner.Document, sent.DocumentName);
        Assert.Equal([script], sent.Parameters["commands"]);
        Assert.Equal(["900"], sent.Parameters["executionTimeout"]);
        Assert.Equal(ids.Order(StringComparer.Ordinal), sent.InstanceIds.Order(StringComparer.Ordinal));
        // moto does not keep CloudWatchOutputConfig; SsmWireTests checks it on the wire instead.
    }

    [Fact]
    public async Task Reads_back_each_invocation_state()
    {
        var ids = await moto.LaunchClusterAsync("c-" + Guid.NewGuid().ToString("N")[..10], workers: 1);
        var runner = new SsmCommandRunner(moto.Aws.Ssm);
        var commandId = await runner.SendAsync(new CommandRequest(ids, "true", "test", 60, null), CancellationToken.None);
        var invocation = await runner.GetAsync(commandId, ids[1], CancellationToken.None);
        // moto reports every command as Success with exit code 0.
        Assert.Equal(CommandState.Succeeded, invocation.State);
        Assert.Equal(0, invocation.ExitCode);
    }
}
