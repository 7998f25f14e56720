using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Tests.Fakes;

/// <summary>Records what was sent; invocation results are scripted per command and instance.</summary>
public sealed class FakeCommandRunner : ICommandRunner
{
    public HashSet<string> Online { get; } = [];

    public List<(string CommandId, CommandRequest Request)> Sent { get; } = [];

    public Dictionary<(string CommandId, string InstanceId), CommandInvocation> Invocations { get; } = [];

    public List<(string CommandId, string InstanceId)> Polled { get; } = [];

    public Task<IReadOnlySet<string>> ReachableAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlySet<string>>(instanceIds.Where(Online.Contains).ToHashSet());

    public Task<string> SendAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString();
        Sent.Add((id, request));
        return Task.FromResult(id);
    }

    public void Set(string commandId, string instanceId, CommandState state, int? exitCode = null, string stderr = "") =>
        Invocations[(commandId, instanceId)] = new CommandInvocation(instanceId, state, exitCode, stderr, state.ToString());

    public Task<CommandInvocation> GetAsync(string commandId, string instanceId, CancellationToken cancellationToken)
    {
        Polled.Add((commandId, instanceId));
        return Task.FromResult(Invocations.TryGetValue((commandId, instanceId), out var invocation)
            ? invocation
            : new CommandInvocation(instanceId, CommandState.NotYetVisible, null, "", "InvocationDoesNotExist"));
    }
}
