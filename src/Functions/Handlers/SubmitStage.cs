using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// Runs one stage's spark-submit on the master (client mode). The command is rebuilt here from
/// settings, the batch date and the stage name; no command text is accepted from the input.
/// </summary>
public sealed class SubmitStage(PipelineSettings settings, TimeProvider clock, IFleet fleet, ICommandRunner runner)
    : Handler<StageInput, StageCommandOutput>(HandlerJson.Readable.StageInput, HandlerJson.Readable.StageCommandOutput)
{
    private async Task<StageCommandOutput> SubmitCommandStepAsync(StageSpec stage, BatchDate date, CancellationToken cancellationToken)
    {
        var targets = await fleet.FindRunningByRoleAsync(settings.ClusterName, stage.TargetRole, cancellationToken).ConfigureAwait(false);
        if (targets.Count == 0)
        {
            throw new PipelineException(ErrorNames.NodesMissing, $"step {stage.Name}: no running node tagged {NodeTags.Cluster}={settings.ClusterName} and {NodeTags.Role}={stage.TargetRole}");
        }

        var plan = SparkCommands.PlanStage(settings, stage, date, SparkCommands.MasterAddressToBeResolved);
        var commandId = await runner.SendAsync(
            new CommandRequest(targets, SparkCommands.CommandStepScript(settings, plan, date), $"{settings.ClusterName}: {stage.Name} {date}", plan.TimeoutSeconds, StartSpark.NullIfEmpty(settings.CommandLogGroup)),
            cancellationToken).ConfigureAwait(false);
        RunLog.Write($"SubmitStage {stage.Name} {date}: command step {commandId} on [{string.Join(", ", targets)}]");
        return new StageCommandOutput(
            stage.Name,
            date.Ds,
            [new CommandRef(commandId, targets, stage.Name)],
            Inputs.Timestamp(clock.GetUtcNow().AddSeconds(plan.TimeoutSeconds + StartSpark.DeliverySeconds)),
            FirstCheckSeconds(stage));
    }

    /// <summary>Look first when the stage usually ends, not every few seconds from the start.</summary>
    public int FirstCheckSeconds(StageSpec stage) => stage.ExpectedMinutes > 0 ? stage.ExpectedMinutes * 60 : settings.Poll.InitialSeconds;

    public override async Task<StageCommandOutput> HandleAsync(StageInput input, CancellationToken cancellationToken)
    {
        var date = Inputs.Date(input.BatchDate, settings, clock);
        var stage = Inputs.Stage(input.Stage, settings);
        if (stage.Kind == StageSpec.CommandKind)
        {
            return await SubmitCommandStepAsync(stage, date, cancellationToken).ConfigureAwait(false);
        }

        var cluster = await ClusterNodes.FindCompleteAsync(fleet, settings, cancellationToken).ConfigureAwait(false);
        var master = cluster.Master;
        if (!master.IsRunning || string.IsNullOrEmpty(master.PrivateAddress))
        {
            throw new PipelineException(ErrorNames.NodesMissing, $"cluster {settings.ClusterName}: master {master.InstanceId} is {master.State}; cannot submit {stage.Name}");
        }

        var plan = SparkCommands.PlanStage(settings, stage, date, master.PrivateAddress);
        var commandId = await runner.SendAsync(
            new CommandRequest([master.InstanceId], SparkCommands.SubmitScript(settings, plan, date), $"{settings.ClusterName}: {stage.Name} {date}", plan.TimeoutSeconds, StartSpark.NullIfEmpty(settings.CommandLogGroup)),
            cancellationToken).ConfigureAwait(false);
        RunLog.Write($"SubmitStage {stage.Name} {date}: command {commandId} on {master.InstanceId}");
        return new StageCommandOutput(
            stage.Name,
            date.Ds,
            [new CommandRef(commandId, [master.InstanceId], stage.Name)],
            Inputs.Timestamp(clock.GetUtcNow().AddSeconds(plan.TimeoutSeconds + StartSpark.DeliverySeconds)),
            FirstCheckSeconds(stage));
    }
}
