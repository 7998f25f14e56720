using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// What every command sent to nodes shares: a comment naming the cluster, output to the configured
/// log group, and a deadline that allows for SSM's delivery on top of the script's own time limit.
/// </summary>
public static class NodeCommand
{
    /// <summary>Allowance for SSM to deliver a command on top of the script's own time limit.</summary>
    public const int DeliverySeconds = RunBudget.CommandDeliverySeconds;

    public static CommandRequest Request(PipelineSettings settings, IReadOnlyList<string> targets, string script, string what, int timeoutSeconds) =>
        new(targets, script, $"{settings.ClusterName}: {what}", timeoutSeconds, string.IsNullOrEmpty(settings.CommandLogGroup) ? null : settings.CommandLogGroup);

    public static string Deadline(TimeProvider clock, int timeoutSeconds) =>
        Inputs.Timestamp(clock.GetUtcNow().AddSeconds(timeoutSeconds + DeliverySeconds));
}
