using Pipeline.Functions.Adapters.Emulator;
using Pipeline.Functions.Adapters.Local;
using Pipeline.Functions.Ports;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Adapters;

/// <summary>The stand-in for SSM that ./pipeline local uses: real bash, detached, polled through files.</summary>
public sealed class LocalCommandRunnerTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("local-runner-").FullName;
    private readonly string prologue;
    private readonly FakeFleet fleet = FakeFleet.Cluster("running", workers: 1);

    public LocalCommandRunnerTests()
    {
        prologue = Path.Combine(root, "prologue.sh");
        File.WriteAllText(prologue, "export FROM_PROLOGUE=yes\n");
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private LocalCommandRunner Runner(FaultPlan? faults = null) => new(root, prologue, fleet, "pothole-spark", faults ?? new FaultPlan());

    private static async Task<CommandInvocation> FinishedAsync(LocalCommandRunner runner, string commandId, string instanceId)
    {
        for (var i = 0; i < 200; i++)
        {
            var invocation = await runner.GetAsync(commandId, instanceId, CancellationToken.None);
            if (invocation.State is not CommandState.Pending and not CommandState.NotYetVisible)
            {
                return invocation;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the local command did not finish");
    }

    [Fact]
    public async Task Runs_the_script_in_the_nodes_directory_after_the_prologue()
    {
        var runner = Runner();
        var id = await runner.SendAsync(new CommandRequest([fleet.MasterId], "set -euo pipefail\necho \"$FROM_PROLOGUE $(basename \"$PWD\")\"\n", "test", 60, null), CancellationToken.None);
        var invocation = await FinishedAsync(runner, id, fleet.MasterId);
        Assert.Equal(CommandState.Succeeded, invocation.State);
        Assert.Equal(0, invocation.ExitCode);
        Assert.Equal($"yes {fleet.MasterId}\n", File.ReadAllText(Path.Combine(root, "commands", id, fleet.MasterId, "stdout")));
    }

    [Fact]
    public async Task A_failing_script_reports_its_exit_code_and_stderr()
    {
        var runner = Runner();
        var id = await runner.SendAsync(new CommandRequest([fleet.MasterId], "echo broken >&2\nexit 3\n", "test", 60, null), CancellationToken.None);
        var invocation = await FinishedAsync(runner, id, fleet.MasterId);
        Assert.Equal((CommandState.Failed, 3, "broken\n"), (invocation.State, invocation.ExitCode, invocation.StandardError));
    }

    [Fact]
    public async Task A_script_past_its_time_limit_is_timed_out()
    {
        var runner = Runner();
        var id = await runner.SendAsync(new CommandRequest([fleet.MasterId], "sleep 30\n", "test", 1, null), CancellationToken.None);
        var invocation = await FinishedAsync(runner, id, fleet.MasterId);
        Assert.Equal(CommandState.TimedOut, invocation.State);
    }

    [Fact]
    public async Task A_running_command_is_pending_and_an_unknown_one_not_yet_visible()
    {
        var runner = Runner();
        var release = Path.Combine(root, "release");
        // The command runs until the test lets it finish, however slow the machine is.
        var id = await runner.SendAsync(new CommandRequest([fleet.MasterId], $"while [ ! -e '{release}' ]; do sleep 0.05; done\n", "test", 60, null), CancellationToken.None);
        Assert.Equal(CommandState.Pending, (await runner.GetAsync(id, fleet.MasterId, CancellationToken.None)).State);
        Assert.Equal(CommandState.NotYetVisible, (await runner.GetAsync(Guid.NewGuid().ToString(), fleet.MasterId, CancellationToken.None)).State);
        await File.WriteAllTextAsync(release, "");
        Assert.Equal(CommandState.Succeeded, (await FinishedAsync(runner, id, fleet.MasterId)).State);
    }

    [Fact]
    public async Task A_fault_plan_makes_a_matching_command_fail_without_running_it()
    {
        var faults = new FaultPlan { Commands = [new CommandFault { CommentContains = "stage2", ExitCode = 1, Stderr = "injected" }] };
        var runner = Runner(faults);
        var marker = Path.Combine(root, "ran");
        var id = await runner.SendAsync(new CommandRequest([fleet.MasterId], $"touch '{marker}'\n", "pothole-spark: stage2_spatial_clustering 2026-02-12", 60, null), CancellationToken.None);
        var invocation = await FinishedAsync(runner, id, fleet.MasterId);
        Assert.Equal(CommandState.Failed, invocation.State);
        Assert.Contains("injected", invocation.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Only_running_nodes_are_reachable()
    {
        fleet.SetState(fleet.WorkerIds[0], "stopped");
        var reachable = await Runner().ReachableAsync([fleet.MasterId, fleet.WorkerIds[0]], CancellationToken.None);
        Assert.Equal([fleet.MasterId], reachable);
    }
}
