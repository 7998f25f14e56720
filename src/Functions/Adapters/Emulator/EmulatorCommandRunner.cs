using System.Net;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;
using CommandInvocation = Pipeline.Functions.Ports.CommandInvocation;

namespace Pipeline.Functions.Adapters.Emulator;

/// <summary>
/// SSM as far as moto can play it. moto has no DescribeInstanceInformation, so an agent counts as
/// online when its instance is running (unless the fault plan keeps it offline); moto reports every
/// command as Success, so a fault plan may say how a matching command ends instead.
/// </summary>
public sealed class EmulatorCommandRunner(ICommandRunner inner, IAmazonSimpleSystemsManagement ssm, IFleet fleet, string clusterName, FaultPlan faults) : ICommandRunner
{
    public Task<IReadOnlySet<string>> ReachableAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        Raise("DescribeInstanceInformation");
        return EmulatedAgents.ReachableAsync(fleet, clusterName, faults, instanceIds, cancellationToken);
    }

    public Task<string> SendAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        Raise("SendCommand");
        return inner.SendAsync(request, cancellationToken);
    }

    public async Task<CommandInvocation> GetAsync(string commandId, string instanceId, CancellationToken cancellationToken)
    {
        Raise("GetCommandInvocation");
        var invocation = await inner.GetAsync(commandId, instanceId, cancellationToken).ConfigureAwait(false);
        if (faults.Commands.Count == 0 || invocation.State == CommandState.NotYetVisible)
        {
            return invocation;
        }

        var sent = await ssm.ListCommandsAsync(new ListCommandsRequest { CommandId = commandId }, cancellationToken).ConfigureAwait(false);
        var comment = sent.Commands?.FirstOrDefault()?.Comment ?? "";
        var fault = faults.Commands.FirstOrDefault(f => f.CommentContains.Length > 0 && comment.Contains(f.CommentContains, StringComparison.Ordinal));
        if (fault is null)
        {
            return invocation;
        }

        var state = fault.Status switch
        {
            "Failed" => CommandState.Failed,
            "TimedOut" => CommandState.TimedOut,
            "Cancelled" => CommandState.Cancelled,
            "Pending" => CommandState.Pending,
            _ => throw new PipelineException(ErrorNames.InvalidSettings, $"fault plan: unknown command status {BatchDate.Describe(fault.Status)}"),
        };
        return new CommandInvocation(instanceId, state, state == CommandState.Pending ? null : fault.ExitCode, fault.Stderr, fault.Status);
    }

    private void Raise(string operation)
    {
        if (faults.Due(operation) is { } fault)
        {
            throw new AmazonSimpleSystemsManagementException($"injected fault: {operation} answered {fault.Code}")
            {
                ErrorCode = fault.Code,
                StatusCode = fault.Code is "ThrottlingException" or "Throttling" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.BadRequest,
            };
        }
    }
}
