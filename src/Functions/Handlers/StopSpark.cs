using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// Best-effort cleanup: asks every running, reachable node to stop its Spark daemons. Nodes that
/// are stopped or unreachable are skipped, not errors, because stopping the instances follows anyway.
/// </summary>
public sealed class StopSpark(PipelineSettings settings, TimeProvider clock, IFleet fleet, ICommandRunner runner, IRunLock runLock)
    : Handler<LockedInput, CommandsOutput>(HandlerJson.Readable.LockedInput, HandlerJson.Readable.CommandsOutput)
{
    public const int TimeoutSeconds = RunBudget.StopSparkSeconds;

    public override async Task<CommandsOutput> HandleAsync(LockedInput input, CancellationToken cancellationToken)
    {
        await LockFence.HoldAsync(runLock, settings, clock, input.Lock, "StopSpark", cancellationToken).ConfigureAwait(false);
        var nodes = await fleet.FindAsync(settings.ClusterName, cancellationToken).ConfigureAwait(false);
        var running = nodes.Where(n => n.IsRunning).Select(n => n.InstanceId).ToList();
        var reachable = running.Count > 0 ? await runner.ReachableAsync(running, cancellationToken).ConfigureAwait(false) : new HashSet<string>();
        var targets = running.Where(reachable.Contains).ToList();
        var skipped = nodes.Select(n => n.InstanceId).Where(id => !targets.Contains(id)).ToList();
        var deadline = NodeCommand.Deadline(clock, TimeoutSeconds);
        if (targets.Count == 0)
        {
            RunLog.Write($"StopSpark {settings.ClusterName}: no running node to stop Spark on");
            return new CommandsOutput([], deadline, 0, skipped);
        }

        var commandId = await runner.SendAsync(
            NodeCommand.Request(settings, targets, SparkCommands.StopScript(settings), "stop spark", TimeoutSeconds),
            cancellationToken).ConfigureAwait(false);
        return new CommandsOutput([new CommandRef(commandId, targets, "stop-spark")], deadline, settings.Poll.InitialSeconds, skipped);
    }
}
