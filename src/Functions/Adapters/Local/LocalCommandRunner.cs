using System.Diagnostics;
using System.Globalization;
using Pipeline.Functions.Adapters.Emulator;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;

namespace Pipeline.Functions.Adapters.Local;

/// <summary>
/// Stands in for SSM Run Command on one machine: each "node" is a working directory under the
/// local run's root, and a command is the same script SSM would get, run by bash in that
/// directory, detached, with its exit code, stdout and stderr kept in files so that separate
/// bootstrap processes (one per Task) can poll it. A node prologue (PIPELINE_NODE_PROLOGUE)
/// supplies what a real node has and this machine has not (the spark user, per-node daemons).
/// </summary>
public sealed class LocalCommandRunner(string root, string prologue, IFleet fleet, string clusterName, FaultPlan faults) : ICommandRunner
{
    public const string RootVariable = "PIPELINE_LOCAL_DIR";
    public const string PrologueVariable = "PIPELINE_NODE_PROLOGUE";

    /// <summary>Exit code of GNU timeout when the time limit killed the command.</summary>
    public const int TimeoutExitCode = 124;

    public Task<IReadOnlySet<string>> ReachableAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) =>
        EmulatedAgents.ReachableAsync(fleet, clusterName, faults, instanceIds, cancellationToken);

    public Task<string> SendAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        var commandId = Guid.NewGuid().ToString();
        var fault = faults.Commands.FirstOrDefault(f => f.CommentContains.Length > 0 && request.Comment.Contains(f.CommentContains, StringComparison.Ordinal));
        var script = fault is null
            ? request.Script
            : ShellScript.Strict()
                .Command("echo", $"[fault injected] {request.Comment}")
                .Export("FAULT_STDERR", fault.Stderr)
                .Export("FAULT_EXIT", (fault.ExitCode ?? 1).ToString(CultureInfo.InvariantCulture))
                .Fixed("echo \"$FAULT_STDERR\" >&2")
                .Fixed("exit \"$FAULT_EXIT\"")
                .Build();
        foreach (var instanceId in request.InstanceIds)
        {
            var node = Directory.CreateDirectory(Path.Combine(root, "nodes", instanceId)).FullName;
            var dir = Directory.CreateDirectory(InvocationDirectory(commandId, instanceId)).FullName;
            File.WriteAllText(Path.Combine(dir, "comment"), request.Comment);
            File.WriteAllText(Path.Combine(dir, "script.sh"), script);
            File.WriteAllText(Path.Combine(dir, "run.sh"), Runner(dir, node, instanceId, request.ExecutionTimeoutSeconds));
            Detach(Path.Combine(dir, "run.sh"));
        }

        return Task.FromResult(commandId);
    }

    public Task<CommandInvocation> GetAsync(string commandId, string instanceId, CancellationToken cancellationToken)
    {
        var dir = InvocationDirectory(commandId, instanceId);
        if (!Directory.Exists(dir))
        {
            return Task.FromResult(new CommandInvocation(instanceId, CommandState.NotYetVisible, null, "", "InvocationDoesNotExist"));
        }

        var exitFile = Path.Combine(dir, "exit_code");
        if (!File.Exists(exitFile))
        {
            return Task.FromResult(new CommandInvocation(instanceId, CommandState.Pending, null, "", "InProgress"));
        }

        var exit = int.Parse(File.ReadAllText(exitFile).Trim(), CultureInfo.InvariantCulture);
        var stderr = File.ReadAllText(Path.Combine(dir, "stderr"));
        var (state, status) = exit switch
        {
            0 => (CommandState.Succeeded, "Success"),
            TimeoutExitCode => (CommandState.TimedOut, "TimedOut"),
            _ => (CommandState.Failed, "Failed"),
        };
        return Task.FromResult(new CommandInvocation(instanceId, state, exit, stderr, status));
    }

    private string InvocationDirectory(string commandId, string instanceId) => Path.Combine(root, "commands", commandId, instanceId);

    /// <summary>The wrapper SSM's agent would be: run the script under its time limit, then record how it ended.</summary>
    private string Runner(string dir, string node, string instanceId, int timeoutSeconds) =>
        ShellScript.Strict()
            .Export("COMMAND_DIR", dir)
            .Export("NODE_DIR", node)
            .Export("NODE_ID", instanceId)
            .Export("NODE_PROLOGUE", prologue)
            .Export("TIME_LIMIT", timeoutSeconds.ToString(CultureInfo.InvariantCulture))
            .Fixed("exec >\"$COMMAND_DIR/stdout\" 2>\"$COMMAND_DIR/stderr\" </dev/null")
            .Fixed("cd \"$NODE_DIR\"")
            .Fixed("status=0")
            .Fixed("timeout \"$TIME_LIMIT\" bash -c 'source \"$NODE_PROLOGUE\"; source \"$COMMAND_DIR/script.sh\"' || status=$?")
            .Fixed("echo \"$status\" > \"$COMMAND_DIR/exit_code.tmp\"")
            .Fixed("mv \"$COMMAND_DIR/exit_code.tmp\" \"$COMMAND_DIR/exit_code\"")
            .Build();

    /// <summary>Starts the command in its own session so it outlives this short-lived bootstrap process.</summary>
    private static void Detach(string runner)
    {
        // Its own pipes, not this process's stdout: the caller reads this process's stdout as JSON.
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "-f", "bash", runner })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start setsid");
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"setsid could not start the local command: {process.StandardError.ReadToEnd()}");
        }
    }
}
