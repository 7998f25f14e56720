using System.Text.Json;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Adapters.Aws;
using Pipeline.Functions.Runtime;

namespace Pipeline.Functions.Hosting;

/// <summary>
/// bootstrap invoke &lt;Handler&gt; [json]: runs one handler on one input (argument, else stdin) and
/// prints its JSON result on stdout; on failure prints {"errorType","errorMessage"} on stderr and
/// exits 1. This is how local runs and the acceptance suite call the real code.
/// </summary>
public static class CommandLine
{
    public const string Usage = "usage: bootstrap invoke <Handler> [json]   (json from standard input when absent)\n       bootstrap plan <execution input json>  (a dry run: prints what the run would do)\n       bootstrap hold --reason TEXT [--who NAME] | bootstrap release   (an operator's maintenance hold on the cluster)";

    /// <summary>bootstrap hold --reason TEXT [--who NAME] / bootstrap release: the lock as an operator's maintenance hold.</summary>
    private static async Task<int> MaintenanceAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var options = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 1; i < args.Length; i += 2)
            {
                if (args[i] is not ("--reason" or "--who") || i + 1 >= args.Length || args[0] == "release")
                {
                    throw PipelineException.InvalidInput(args[i], "unknown option; bootstrap hold takes --reason TEXT and --who NAME, bootstrap release takes none");
                }

                options[args[i]] = args[i + 1];
            }

            var settings = SettingsSource.Load(Environment.GetEnvironmentVariable);
            using var aws = new AwsClients();
            var runLock = EmulatorPorts.For(Environment.GetEnvironmentVariable, aws, settings).RunLock();
            var clock = EmulatorPorts.Clock(Environment.GetEnvironmentVariable);
            var message = args[0] == "hold"
                ? await MaintenanceHold.HoldAsync(runLock, settings, clock, options.GetValueOrDefault("--who") ?? Environment.GetEnvironmentVariable("USER") ?? "operator", options.GetValueOrDefault("--reason"), CancellationToken.None).ConfigureAwait(false)
                : await MaintenanceHold.ReleaseAsync(runLock, settings, clock, CancellationToken.None).ConfigureAwait(false);
            await stdout.WriteLineAsync(message).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e)
        {
            await stderr.WriteLineAsync(JsonSerializer.Serialize(ErrorReport.From(e) with { StackTrace = null }, RuntimeJson.Readable.LambdaError)).ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>A hung invocation, as the fault plan asks: it never answers, and the harness ends the process at the task's timeout.</summary>
    private static async Task HangIfDueAsync(Adapters.Emulator.FaultPlan faults, string handler, string when)
    {
        if (faults.HangDue(handler, when))
        {
            await Task.Delay(Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        }
    }

    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 2 && args[0] == "plan")
        {
            try
            {
                await stdout.WriteAsync(RunPlan.Describe(PlanSettings(), TimeProvider.System, args[1])).ConfigureAwait(false);
                return 0;
            }
            catch (Exception e)
            {
                await stderr.WriteLineAsync(JsonSerializer.Serialize(ErrorReport.From(e) with { StackTrace = null }, RuntimeJson.Readable.LambdaError)).ConfigureAwait(false);
                return 1;
            }
        }

        if (args.Length > 0 && args[0] is "hold" or "release")
        {
            return await MaintenanceAsync(args, stdout, stderr).ConfigureAwait(false);
        }

        if (args.Length is < 2 or > 3 || args[0] != "invoke")
        {
            await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
            await stderr.WriteLineAsync("handlers: " + string.Join(", ", HandlerCatalog.Names)).ConfigureAwait(false);
            return 2;
        }

        try
        {
            var settings = SettingsSource.Load(Environment.GetEnvironmentVariable);
            using var aws = new AwsClients();
            var ports = EmulatorPorts.For(Environment.GetEnvironmentVariable, aws, settings);
            var clock = EmulatorPorts.Clock(Environment.GetEnvironmentVariable);
            var faults = EmulatorPorts.Faults(Environment.GetEnvironmentVariable);
            var handler = HandlerCatalog.Create(args[1], settings, clock, ports);
            var input = args.Length == 3 ? args[2] : await stdin.ReadToEndAsync().ConfigureAwait(false);
            await HangIfDueAsync(faults, args[1], "before").ConfigureAwait(false);
            var output = await handler.InvokeAsync(input, CancellationToken.None).ConfigureAwait(false);
            await HangIfDueAsync(faults, args[1], "after").ConfigureAwait(false);
            await stdout.WriteLineAsync(output).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e)
        {
            var error = ErrorReport.From(e);
            await stderr.WriteLineAsync(JsonSerializer.Serialize(error with { StackTrace = null }, RuntimeJson.Readable.LambdaError)).ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>
    /// The settings a plan shows: those of PIPELINE_SETTINGS, with totalExecutorCores 0 (follow the
    /// workers) made concrete for PIPELINE_WORKER_INSTANCE_TYPE, as the synth makes it for the functions.
    /// </summary>
    private static PipelineSettings PlanSettings()
    {
        var settings = SettingsSource.Load(Environment.GetEnvironmentVariable);
        if (Environment.GetEnvironmentVariable("PIPELINE_WORKER_INSTANCE_TYPE") is not { Length: > 0 } workerType)
        {
            return settings;
        }

        var (resolved, problems) = WorkerCapacity.Resolve(settings, workerType, "deployment.workerInstanceType");
        return problems.Count == 0 ? resolved : throw new PipelineException(ErrorNames.InvalidSettings, string.Join("; ", problems));
    }
}
