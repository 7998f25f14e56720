using System.Net;
using Amazon.EC2;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Adapters.Emulator;

/// <summary>The EC2 fleet adapter with the fault plan's AWS errors raised as EC2 itself would raise them.</summary>
public sealed class EmulatorFleet(IFleet inner, FaultPlan faults) : IFleet
{
    public Task<IReadOnlyList<ClusterNode>> FindAsync(string clusterName, CancellationToken cancellationToken)
    {
        Raise("DescribeInstances");
        return inner.FindAsync(clusterName, cancellationToken);
    }

    public Task<IReadOnlyList<string>> FindRunningByRoleAsync(string clusterName, string role, CancellationToken cancellationToken)
    {
        Raise("DescribeInstances");
        return inner.FindRunningByRoleAsync(clusterName, role, cancellationToken);
    }

    public Task StartAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        Raise("StartInstances");
        return inner.StartAsync(instanceIds, cancellationToken);
    }

    public Task StopAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        Raise("StopInstances");
        return inner.StopAsync(instanceIds, cancellationToken);
    }

    private void Raise(string operation)
    {
        if (faults.Due(operation) is { } fault)
        {
            throw new AmazonEC2Exception($"injected fault: {operation} answered {fault.Code}")
            {
                ErrorCode = fault.Code,
                StatusCode = fault.Code is "RequestLimitExceeded" or "Throttling" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.BadRequest,
            };
        }
    }
}
