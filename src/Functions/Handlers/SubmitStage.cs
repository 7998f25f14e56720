using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// Runs one step: a stage's spark-submit on the master (client mode), or a command step on the
/// running nodes of its role. The command is rebuilt here from settings, the batch date and the
/// stage name; no command text is accepted from the input.
/// </summary>
public sealed class SubmitStage(PipelineSettings settings, TimeProvider clock, IFleet fleet, ICommandRunner runner, IRunLock runLock)
    : Handler<StageInput, StageCommandOutput>(HandlerJson.Readable.StageInput, HandlerJson.Readable.StageCommandOutput)
{
    /// <summary>Look first when the stage usually ends, not every few seconds from the start (but within the lease).</summary>
    public int FirstCheckSeconds(StageSpec stage) => RunBudget.FirstCheckSeconds(settings, stage);

    public override async Task<StageCommandOutput> HandleAsync(StageInput input, CancellationToken cancellationToken)
    {
        var date = Inputs.Date(input.BatchDate, settings, clock);
        var stage = Inputs.Stage(input.Stage, settings);
        var (runId, token) = Inputs.Lock(input.Lock);
        var (targets, script) = stage.Kind == StageSpec.CommandKind
            ? await CommandStepAsync(stage, date, cancellationToken).ConfigureAwait(false)
            : await SparkStageAsync(stage, date, cancellationToken).ConfigureAwait(false);
        var timeoutSeconds = stage.TimeoutMinutes * 60;
        await LockFence.HoldAsync(runLock, settings, clock, runId, token, $"SubmitStage {stage.Name}", cancellationToken).ConfigureAwait(false);
        var commandId = await runner.SendAsync(
            NodeCommand.Request(settings, targets, script, $"{stage.Name} {date}", timeoutSeconds),
            cancellationToken).ConfigureAwait(false);
        RunLog.Write($"SubmitStage {stage.Name} {date}: command {commandId} on [{string.Join(", ", targets)}]");
        return new StageCommandOutput(
            stage.Name,
            date.Ds,
            [new CommandRef(commandId, targets, stage.Name)],
            NodeCommand.Deadline(clock, timeoutSeconds),
            FirstCheckSeconds(stage));
    }

    private async Task<(IReadOnlyList<string> Targets, string Script)> SparkStageAsync(StageSpec stage, BatchDate date, CancellationToken cancellationToken)
    {
        var cluster = await ClusterNodes.FindCompleteAsync(fleet, settings, cancellationToken).ConfigureAwait(false);
        var master = cluster.Master;
        if (!master.IsRunning || string.IsNullOrEmpty(master.PrivateAddress))
        {
            throw new PipelineException(ErrorNames.NodesMissing, $"cluster {settings.ClusterName}: master {master.InstanceId} is {master.State}; cannot submit {stage.Name}");
        }

        var plan = SparkCommands.PlanStage(settings, stage, date, master.PrivateAddress);
        return ([master.InstanceId], SparkCommands.SubmitScript(settings, plan, date));
    }

    private async Task<(IReadOnlyList<string> Targets, string Script)> CommandStepAsync(StageSpec stage, BatchDate date, CancellationToken cancellationToken)
    {
        var targets = await fleet.FindRunningByRoleAsync(settings.ClusterName, stage.TargetRole, cancellationToken).ConfigureAwait(false);
        if (targets.Count == 0)
        {
            throw new PipelineException(ErrorNames.NodesMissing, $"step {stage.Name}: no running node tagged {NodeTags.Cluster}={settings.ClusterName} and {NodeTags.Role}={stage.TargetRole}");
        }

        var plan = SparkCommands.PlanStage(settings, stage, date, SparkCommands.MasterAddressToBeResolved);
        return (targets, SparkCommands.CommandStepScript(settings, plan, date));
    }
}
