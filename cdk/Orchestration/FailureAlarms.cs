using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;

namespace Pipeline.Cdk;

/// <summary>
/// Failures no status-change event reports. Sweep runs from a schedule, not inside a run, so its errors
/// would otherwise go unseen while nodes no run holds keep running; any other function's errors are
/// alarmed too (a run alert says the run failed; the alarm says a function keeps failing, also outside
/// runs). And an alert that could not be sent is itself alarmed, as its own fallback.
/// </summary>
public sealed class FailureAlarms : Construct
{
    private readonly List<Alarm> alarms = [];

    public FailureAlarms(Construct scope, string id, string clusterName, PipelineFunctions functions, int sweepMinutes, IStateMachine notifier, ITopic alerts)
        : base(scope, id)
    {
        var action = new SnsAction(alerts);
        foreach (var handler in LambdaHandlers.Names)
        {
            var function = functions[handler];
            var isSweep = handler == LambdaHandlers.Sweep;
            // A sweep alarm looks at each sweep (its own interval); others at 5-minute windows.
            var period = isSweep && sweepMinutes > 0 ? Duration.Minutes(Math.Max(sweepMinutes, 1)) : Duration.Minutes(5);
            var alarm = new Alarm(this, $"{handler}Errors", new AlarmProps
            {
                AlarmName = AlarmNameOf(clusterName, handler),
                AlarmDescription = isSweep
                    ? $"{clusterName}: the Sweep function failed: nodes no run holds may be left running and stale locks stay; read /aws/lambda/{clusterName}-{handler}"
                    : $"{clusterName}: the {handler} function failed; read /aws/lambda/{clusterName}-{handler}",
                Metric = function.MetricErrors(new MetricOptions { Period = period, Statistic = "Sum" }),
                Threshold = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                EvaluationPeriods = 1,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            });
            alarm.AddAlarmAction(action);
            alarms.Add(alarm);
        }

        var undelivered = new Alarm(this, "AlertsFailed", new AlarmProps
        {
            AlarmName = $"{clusterName}-alerts-failed",
            AlarmDescription = $"{clusterName}: an alert could not be formatted or published; read the executions of {clusterName}-alerts",
            Metric = notifier.MetricFailed(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Sum" }),
            Threshold = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        undelivered.AddAlarmAction(action);
        alarms.Add(undelivered);
    }

    public IReadOnlyList<Alarm> Alarms => alarms;

    /// <summary>Every alarm of the stack is named after the cluster, so the topic policy can name them by prefix.</summary>
    public static string AlarmNameOf(string clusterName, string handler) => $"{clusterName}-{handler}-errors";
}
