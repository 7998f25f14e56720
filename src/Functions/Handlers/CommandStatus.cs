using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// Folds the SSM invocations of one or more commands into pending / succeeded, or fails with
/// Pipeline.CommandFailed (exit code and the end of stderr in the message) or, past the
/// deadline, Pipeline.CommandTimedOut. Suggests the next poll delay, growing with each attempt.
/// </summary>
public sealed class CommandStatus(PipelineSettings settings, TimeProvider clock, ICommandRunner runner, IRunLock runLock)
    : Handler<CommandStatusInput, CommandStatusOutput>(HandlerJson.Readable.CommandStatusInput, HandlerJson.Readable.CommandStatusOutput)
{
    public const int StderrTailLength = 1000;

    public override async Task<CommandStatusOutput> HandleAsync(CommandStatusInput input, CancellationToken cancellationToken)
    {
        var commands = Inputs.Commands(input.Commands);
        var deadline = Inputs.Timestamp("deadline", input.Deadline);
        var attempt = Math.Max(0, input.Attempt);
        // Every poll renews the lease; a run that lost the lock stops waiting on a cluster that is no longer its own.
        await LockFence.HoldAsync(runLock, settings, clock, input.Lock, $"CommandStatus {commands[0].Purpose}", cancellationToken).ConfigureAwait(false);
        var reports = new List<InvocationReport>();
        foreach (var command in commands)
        {
            foreach (var instanceId in command.InstanceIds)
            {
                var invocation = await runner.GetAsync(command.CommandId, instanceId, cancellationToken).ConfigureAwait(false);
                if (invocation.State is CommandState.Failed or CommandState.TimedOut or CommandState.Cancelled)
                {
                    throw new PipelineException(ErrorNames.CommandFailed, Describe(command, invocation));
                }

                reports.Add(new InvocationReport(command.CommandId, instanceId, invocation.State.ToString(), invocation.ExitCode));
            }
        }

        if (reports.All(r => r.Status == nameof(CommandState.Succeeded)))
        {
            return new CommandStatusOutput(true, "succeeded", commands, input.Deadline!, attempt + 1, 0, reports);
        }

        if (clock.GetUtcNow() > deadline)
        {
            var waiting = reports.Where(r => r.Status != nameof(CommandState.Succeeded)).Select(r => $"{r.CommandId} on {r.InstanceId} ({r.Status})");
            throw new PipelineException(ErrorNames.CommandTimedOut, $"{commands[0].Purpose}: not finished by {input.Deadline}: {string.Join("; ", waiting)}");
        }

        return new CommandStatusOutput(false, "pending", commands, input.Deadline!, attempt + 1, Backoff.NextDelaySeconds(settings.Poll, attempt), reports);
    }

    private static string Describe(CommandRef command, CommandInvocation invocation)
    {
        var tail = invocation.StandardError.Length > StderrTailLength
            ? "…" + invocation.StandardError[^StderrTailLength..]
            : invocation.StandardError;
        var exit = invocation.ExitCode is { } code ? $", exit code {code}" : "";
        var stderr = string.IsNullOrWhiteSpace(tail) ? "" : $"; stderr: {tail.TrimEnd()}";
        return $"{command.Purpose}: command {command.CommandId} on {invocation.InstanceId} {invocation.ServiceStatus}{exit}{stderr}";
    }
}
