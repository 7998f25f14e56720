using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;

namespace Pipeline.Cdk;

/// <summary>
/// One CloudWatch dashboard for the people who run the pipeline: how the recent runs and backfills
/// ended (per day: the pipeline runs daily), how long they took, and whether a step's function failed
/// or was throttled. Only metrics AWS publishes anyway: no custom metric, no cost beyond the dashboard.
/// </summary>
public sealed class PipelineDashboard : Construct
{
    private static readonly Duration Day = Duration.Days(1);
    private static readonly Duration Hour = Duration.Hours(1);

    public PipelineDashboard(Construct scope, string id, string name, StateMachine pipeline, StateMachine backfill, StateMachine cleanup, PipelineFunctions functions)
        : base(scope, id)
    {
        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = name,
            DefaultInterval = Duration.Days(14),
            Widgets =
            [
                [
                    Executions("Pipeline runs per day", pipeline),
                    Executions("Backfills and daily launches per day", backfill),
                ],
                [
                    ExecutionTime("Run time (minutes)", ("pipeline", pipeline), ("backfill", backfill)),
                    Executions("Cleanups per day (started after a run failed, timed out or was aborted)", cleanup),
                ],
                [
                    FunctionMetric("Function errors per hour, by step", functions, (f, options) => f.MetricErrors(options)),
                    FunctionMetric("Function throttles per hour, by step", functions, (f, options) => f.MetricThrottles(options)),
                ],
            ],
        });
    }

    public Dashboard Dashboard { get; }

    private static GraphWidget Executions(string title, StateMachine machine) => new(new GraphWidgetProps
    {
        Title = title,
        Width = 12,
        Height = 6,
        View = GraphWidgetView.BAR,
        Left =
        [
            machine.MetricStarted(Sum(Day, "started")),
            machine.MetricSucceeded(Sum(Day, "succeeded")),
            machine.MetricFailed(Sum(Day, "failed")),
            machine.MetricTimedOut(Sum(Day, "timed out")),
            machine.MetricAborted(Sum(Day, "aborted")),
        ],
    });

    /// <summary>ExecutionTime is in milliseconds; shown in minutes, median and longest per day.</summary>
    private static GraphWidget ExecutionTime(string title, params (string Label, StateMachine Machine)[] machines) => new(new GraphWidgetProps
    {
        Title = title,
        Width = 12,
        Height = 6,
        Left = machines.SelectMany(m => new IMetric[]
        {
            Minutes($"{m.Label}_p50", $"{m.Label} p50", m.Machine.MetricTime(new MetricOptions { Statistic = "p50", Period = Day })),
            Minutes($"{m.Label}_max", $"{m.Label} max", m.Machine.MetricTime(new MetricOptions { Statistic = "Maximum", Period = Day })),
        }).ToArray(),
    });

    /// <param name="id">Unique within the graph: CloudWatch names each metric of a math expression by it.</param>
    private static MathExpression Minutes(string id, string label, IMetric milliseconds) => new(new MathExpressionProps
    {
        Expression = $"{id} / 60000",
        UsingMetrics = new Dictionary<string, IMetric> { [id] = milliseconds },
        Label = label,
        Period = Day,
    });

    private static GraphWidget FunctionMetric(string title, PipelineFunctions functions, Func<Amazon.CDK.AWS.Lambda.IFunction, MetricOptions, IMetric> metric) => new(new GraphWidgetProps
    {
        Title = title,
        Width = 12,
        Height = 6,
        Left = LambdaHandlers.Names.Select(h => metric(functions[h], Sum(Hour, h))).ToArray(),
    });

    private static MetricOptions Sum(Duration period, string label) => new() { Statistic = "Sum", Period = period, Label = label };
}
