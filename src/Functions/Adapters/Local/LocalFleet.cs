using System.Globalization;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Adapters.Local;

/// <summary>
/// The local nodes: instance states live in the emulator, and every node is this machine. So a
/// node's address is the loopback address, and stopping a node does what stopping a machine does
/// to its processes: the daemons it runs (their pid files are in the node's run directory) end.
/// </summary>
public sealed class LocalFleet(IFleet inner, string root) : IFleet
{
    public const string Loopback = "127.0.0.1";

    public async Task<IReadOnlyList<ClusterNode>> FindAsync(string clusterName, CancellationToken cancellationToken) =>
        (await inner.FindAsync(clusterName, cancellationToken).ConfigureAwait(false))
            .Select(n => n with { PrivateAddress = Loopback })
            .ToList();

    public Task<IReadOnlyList<string>> FindRunningByRoleAsync(string clusterName, string role, CancellationToken cancellationToken) =>
        inner.FindRunningByRoleAsync(clusterName, role, cancellationToken);

    public Task StartAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) => inner.StartAsync(instanceIds, cancellationToken);

    public async Task StopAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        await inner.StopAsync(instanceIds, cancellationToken).ConfigureAwait(false);
        foreach (var instanceId in instanceIds)
        {
            var pidDirectory = Path.Combine(root, "nodes", instanceId, "run");
            if (!Directory.Exists(pidDirectory))
            {
                continue;
            }

            foreach (var pidFile in Directory.GetFiles(pidDirectory, "*.pid"))
            {
                if (int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
                {
                    Terminate(pid);
                }

                File.Delete(pidFile);
            }
        }
    }

    private static void Terminate(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (InvalidOperationException)
        {
            // Exited while we looked.
        }
    }
}
