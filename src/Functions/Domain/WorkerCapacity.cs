using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipeline.Functions.Domain;

/// <summary>
/// What one Spark worker offers, from its EC2 instance type, and how many executor cores a run can
/// therefore use. A Spark Standalone worker offers all of the machine's cores and its memory less
/// 1 GiB (Spark's defaults for SPARK_WORKER_CORES and SPARK_WORKER_MEMORY). An executor of
/// submit.executorCores and submit.executorMemory that fits no worker is never started: Spark then
/// waits for ever with "Initial job has not accepted any resources".
///
/// submit.totalExecutorCores 0 means "follow the workers": workerCount × the executor cores one worker
/// can host. The CDK app resolves it at synth (the functions get the number), and so does
/// <c>./pipeline plan</c>; an explicit value that the workers cannot host is refused naming both settings.
/// </summary>
public static partial class WorkerCapacity
{
    public const int FollowWorkers = 0;

    /// <summary>What Spark keeps back from a worker's memory for the OS and the worker itself.</summary>
    public const int ReservedMiB = 1024;

    /// <summary>vCPUs and memory (MiB) of the x86_64 instance types this table knows, or null.</summary>
    public static (int Vcpus, int MemoryMiB)? Of(string instanceType)
    {
        if (Burstable.TryGetValue(instanceType, out var burstable))
        {
            return burstable;
        }

        var match = FixedPerformance().Match(instanceType);
        if (!match.Success || !Sizes.TryGetValue(match.Groups["size"].Value, out var vcpus))
        {
            return null;
        }

        var gibPerVcpu = match.Groups["family"].Value switch { "c" => 2, "m" => 4, _ => 8 };
        return (vcpus, vcpus * gibPerVcpu * 1024);
    }

    /// <summary>Executors of the submit settings one worker of this type can host (0: none fits).</summary>
    public static int ExecutorsPerWorker(SubmitSettings submit, (int Vcpus, int MemoryMiB) worker) =>
        MemoryMiB(submit.ExecutorMemory) is { } memory && submit.ExecutorCores > 0
            ? Math.Min(worker.Vcpus / submit.ExecutorCores, (int)((worker.MemoryMiB - ReservedMiB) / Math.Max(memory, 1)))
            : 0;

    /// <summary>The settings with totalExecutorCores made concrete; problems name the settings involved.</summary>
    public static (PipelineSettings Settings, IReadOnlyList<string> Problems) Resolve(PipelineSettings settings, string workerInstanceType, string instanceTypeSetting)
    {
        var submit = settings.Submit;
        if (Of(workerInstanceType) is not { } worker)
        {
            return submit.TotalExecutorCores == FollowWorkers
                ? (settings, [$"pipeline.submit.totalExecutorCores: 0 (follow the workers) needs the vCPUs and memory of {instanceTypeSetting} \"{workerInstanceType}\", which this app does not know; set pipeline.submit.totalExecutorCores explicitly"])
                : (settings, []);
        }

        var perWorker = ExecutorsPerWorker(submit, worker);
        var offer = string.Create(CultureInfo.InvariantCulture, $"{instanceTypeSetting} \"{workerInstanceType}\" offers {worker.Vcpus} cores and {worker.MemoryMiB - ReservedMiB} MiB for executors");
        if (perWorker == 0)
        {
            return (settings, [$"pipeline.submit.executorCores/executorMemory: an executor of {submit.ExecutorCores} cores and {submit.ExecutorMemory} fits no worker: {offer}; Spark would wait for ever"]);
        }

        var most = settings.WorkerCount * perWorker * submit.ExecutorCores;
        if (submit.TotalExecutorCores == FollowWorkers)
        {
            return (settings with { Submit = submit with { TotalExecutorCores = most } }, []);
        }

        return submit.TotalExecutorCores > most
            ? (settings, [string.Create(CultureInfo.InvariantCulture, $"pipeline.submit.totalExecutorCores: {submit.TotalExecutorCores} cores do not fit pipeline.workerCount {settings.WorkerCount} worker(s) of {instanceTypeSetting} \"{workerInstanceType}\" (at most {most}: {perWorker} executor(s) of {submit.ExecutorCores} cores per worker; {offer}); lower it, or set 0 to follow the workers")])
            : (settings, []);
    }

    /// <summary>MiB of a JVM memory size (4g, 512m), or null.</summary>
    public static long? MemoryMiB(string size)
    {
        var match = MemorySize().Match(size);
        if (!match.Success)
        {
            return null;
        }

        var number = long.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        return match.Groups["unit"].Value.ToLowerInvariant() switch { "k" => number / 1024, "m" => number, "g" => number * 1024, "t" => number * 1024 * 1024, _ => number / (1024 * 1024) };
    }

    private static readonly Dictionary<string, (int, int)> Burstable = new(StringComparer.Ordinal)
    {
        ["t3.micro"] = (2, 1024), ["t3.small"] = (2, 2048), ["t3.medium"] = (2, 4096), ["t3.large"] = (2, 8192), ["t3.xlarge"] = (4, 16384), ["t3.2xlarge"] = (8, 32768),
        ["t3a.micro"] = (2, 1024), ["t3a.small"] = (2, 2048), ["t3a.medium"] = (2, 4096), ["t3a.large"] = (2, 8192), ["t3a.xlarge"] = (4, 16384), ["t3a.2xlarge"] = (8, 32768),
    };

    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["large"] = 2, ["xlarge"] = 4, ["2xlarge"] = 8, ["4xlarge"] = 16, ["8xlarge"] = 32, ["12xlarge"] = 48, ["16xlarge"] = 64, ["24xlarge"] = 96,
    };

    // The general purpose, compute and memory optimized x86 families of the last generations; other
    // types (or sizes) need an explicit totalExecutorCores.
    [GeneratedRegex(@"^(?<family>[cmr])(5|5a|5n|6i|6a|6in|7i|7a)\.(?<size>[0-9]*x?large)\z")]
    private static partial Regex FixedPerformance();

    [GeneratedRegex(@"^(?<n>[0-9]{1,9})(?<unit>[kKmMgGtT]?)\z")]
    private static partial Regex MemorySize();
}
