namespace Pipeline.Functions.Ports;

public enum CommandState
{
    /// <summary>Sent and not finished (queued, in progress, delayed).</summary>
    Pending,

    /// <summary>The service has no record of the invocation yet; normal right after sending.</summary>
    NotYetVisible,
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
}

public sealed record CommandRequest(
    IReadOnlyList<string> InstanceIds,
    string Script,
    string Comment,
    int ExecutionTimeoutSeconds,
    string? LogGroup);

public sealed record CommandInvocation(string InstanceId, CommandState State, int? ExitCode, string StandardError, string ServiceStatus);

/// <summary>Runs shell scripts on the nodes (SSM Run Command in AWS; no SSH, no keys).</summary>
public interface ICommandRunner
{
    /// <summary>The subset of the instances whose agent can take a command now.</summary>
    Task<IReadOnlySet<string>> ReachableAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken);

    /// <summary>Sends the script to every instance; returns the command id.</summary>
    Task<string> SendAsync(CommandRequest request, CancellationToken cancellationToken);

    Task<CommandInvocation> GetAsync(string commandId, string instanceId, CancellationToken cancellationToken);
}
