using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;

namespace Pipeline.Functions.Hosting;

/// <summary>
/// The only place that knows both handlers and adapters: picks a handler by its state name and
/// gives it the ports it needs from the factory chosen at start-up.
/// </summary>
public static class HandlerCatalog
{
    public static readonly IReadOnlyList<string> Names =
    [
        nameof(ResolveRun), nameof(CheckInput), nameof(AcquireLock), nameof(ConfirmLock), nameof(AbandonLock), nameof(StartCluster), nameof(ClusterStatus), nameof(StartSpark),
        nameof(SubmitStage), nameof(CommandStatus), nameof(VerifyOutput), nameof(StopSpark), nameof(StopCluster), nameof(ReleaseLock), nameof(Sweep), nameof(RecordRun), nameof(PlanBackfill), nameof(FormatAlert),
    ];

    public static IHandler Create(string name, PipelineSettings settings, TimeProvider clock, IPortFactory ports) => name switch
    {
        nameof(ResolveRun) => new ResolveRun(settings, clock),
        nameof(CheckInput) => new CheckInput(settings, clock, ports.ObjectStore()),
        nameof(AcquireLock) => new AcquireLock(settings, clock, ports.RunLock()),
        nameof(ConfirmLock) => new ConfirmLock(settings, clock, ports.RunLock()),
        nameof(AbandonLock) => new AbandonLock(settings, ports.Fleet(), ports.RunLock()),
        nameof(StartCluster) => new StartCluster(settings, clock, ports.Fleet(), ports.RunLock()),
        nameof(ClusterStatus) => new ClusterStatus(settings, clock, ports.Fleet(), ports.Commands(), ports.RunLock()),
        nameof(StartSpark) => new StartSpark(settings, clock, ports.Fleet(), ports.Commands(), ports.RunLock()),
        nameof(SubmitStage) => new SubmitStage(settings, clock, ports.Fleet(), ports.Commands(), ports.RunLock()),
        nameof(CommandStatus) => new CommandStatus(settings, clock, ports.Commands(), ports.RunLock()),
        nameof(VerifyOutput) => new VerifyOutput(settings, clock, ports.ObjectStore()),
        nameof(StopSpark) => new StopSpark(settings, clock, ports.Fleet(), ports.Commands(), ports.RunLock()),
        nameof(StopCluster) => new StopCluster(settings, clock, ports.Fleet(), ports.RunLock()),
        nameof(ReleaseLock) => new ReleaseLock(settings, clock, ports.RunLock()),
        nameof(Sweep) => new Sweep(settings, clock, ports.Fleet(), ports.RunLock()),
        nameof(RecordRun) => new RecordRun(settings, clock, ports.ObjectStore()),
        nameof(PlanBackfill) => new PlanBackfill(settings, clock, ports.ObjectStore()),
        nameof(FormatAlert) => new FormatAlert(settings),
        _ => throw new PipelineException(ErrorNames.UnknownHandler, $"no handler named {BatchDate.Describe(name)}; expected one of {string.Join(", ", Names)}"),
    };
}
