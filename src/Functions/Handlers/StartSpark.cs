using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// Starts Spark over SSM: the master (which syncs the stage code and then waits until every worker
/// has registered) and the workers, pointed at the master's private address found at run time.
/// </summary>
public sealed class StartSpark(PipelineSettings settings, TimeProvider clock, IFleet fleet, ICommandRunner runner, IRunLock runLock)
    : Handler<LockedInput, CommandsOutput>(HandlerJson.Readable.LockedInput, HandlerJson.Readable.CommandsOutput)
{
    public override async Task<CommandsOutput> HandleAsync(LockedInput input, CancellationToken cancellationToken)
    {
        var (runId, token) = Inputs.Lock(input.Lock);
        var cluster = await ClusterNodes.FindCompleteAsync(fleet, settings, cancellationToken).ConfigureAwait(false);
        var notRunning = cluster.All.Where(n => !n.IsRunning).ToList();
        var masterAddress = cluster.Master.PrivateAddress;
        if (notRunning.Count > 0 || string.IsNullOrEmpty(masterAddress))
        {
            throw new PipelineException(ErrorNames.NodesMissing, $"cluster {settings.ClusterName}: cannot start Spark, not running: [{ClusterNodes.Ids(notRunning)}]"
                + (string.IsNullOrEmpty(masterAddress) ? "; the master has no private address" : ""));
        }

        var timeout = RunBudget.SparkStartSeconds(settings);
        await LockFence.HoldAsync(runLock, settings, clock, runId, token, "StartSpark", cancellationToken).ConfigureAwait(false);
        var masterCommand = await runner.SendAsync(
            NodeCommand.Request(settings, [cluster.Master.InstanceId], SparkCommands.StartMasterScript(settings, masterAddress), "start spark master", timeout),
            cancellationToken).ConfigureAwait(false);
        var workerIds = cluster.Workers.Select(w => w.InstanceId).ToList();
        var workerCommand = await runner.SendAsync(
            NodeCommand.Request(settings, workerIds, SparkCommands.StartWorkerScript(settings, masterAddress), "start spark workers", timeout),
            cancellationToken).ConfigureAwait(false);

        return new CommandsOutput(
            [new CommandRef(masterCommand, [cluster.Master.InstanceId], "start-master"), new CommandRef(workerCommand, workerIds, "start-workers")],
            NodeCommand.Deadline(clock, timeout),
            settings.Poll.InitialSeconds,
            []);
    }
}
