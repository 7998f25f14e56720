using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Constructs;

namespace Pipeline.Cdk;

/// <summary>
/// A run whose cleanup failed, or could not prove it held the lock, leaves nodes to the sweeper.
/// RecordRun says so in one log line; this alarm counts those lines and tells the alert topic, so a
/// cluster left running is seen at once, beside the run's own failure alert.
/// </summary>
public sealed class CleanupAlarm : Construct
{
    public const string MetricNamespace = "SparkPipeline";
    public const string MetricName = "CleanupLeftToSweeper";

    /// <summary>What RecordRun writes for such a run, as a quoted filter term.</summary>
    public const string LogPattern = "\"" + Pipeline.Functions.Domain.RunLog.CleanupLeftToSweeper + "\"";

    public CleanupAlarm(Construct scope, string id, ILogGroup recordRunLogs, ITopic topic, string clusterName)
        : base(scope, id)
    {
        var filter = new MetricFilter(this, "Filter", new MetricFilterProps
        {
            LogGroup = recordRunLogs,
            FilterPattern = FilterPattern.Literal(LogPattern),
            MetricNamespace = MetricNamespace,
            MetricName = MetricName,
            MetricValue = "1",
        });
        Alarm = new Alarm(this, "Alarm", new AlarmProps
        {
            AlarmName = $"{clusterName}-cleanup-left-to-sweeper",
            AlarmDescription = $"A {clusterName} run could not clean up (or prove it held the lock): its nodes are left to the sweeper. See the run's error in the alert and the run record under runs/.",
            Metric = filter.Metric(new MetricOptions { Statistic = "Sum", Period = Duration.Minutes(5) }),
            Threshold = 1,
            EvaluationPeriods = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        Alarm.AddAlarmAction(new SnsAction(topic));
    }

    public Alarm Alarm { get; }
}
