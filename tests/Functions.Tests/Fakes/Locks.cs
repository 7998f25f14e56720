using Pipeline.Functions.Handlers;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Tests.Fakes;

/// <summary>A lock some run holds, with the reference its tasks act under.</summary>
public sealed record HeldLock(InMemoryRunLock Lock, LockRef Ref);

public static class Locks
{
    public const string RunId = "2026-02-12";

    public static readonly DateTimeOffset FarFuture = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The pothole cluster's lock, held by <paramref name="runId"/> with a lease that does not run out in a test.</summary>
    public static HeldLock Held(string runId = RunId, string clusterName = "pothole-spark")
    {
        var runLock = new InMemoryRunLock();
        var token = runLock.Hold(clusterName, runId, DateTimeOffset.UnixEpoch, FarFuture);
        return new HeldLock(runLock, new LockRef(runId, token));
    }
}
