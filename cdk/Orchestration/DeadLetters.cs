using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace Pipeline.Cdk;

/// <summary>
/// Where the schedules and the status-change rules put an event they could not deliver after their
/// retries (the daily launch, a sweep, a cleanup or an alert that never started). Without it such an
/// event is dropped and nobody learns of it; with it, it waits 14 days and an alarm tells the alert topic.
/// </summary>
public sealed class DeadLetters : Construct
{
    public DeadLetters(Construct scope, string id, string clusterName, ITopic alerts)
        : base(scope, id)
    {
        Queue = new Queue(this, "Queue", new QueueProps
        {
            QueueName = $"{clusterName}-undelivered-events",
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            // The longest SQS keeps a message: time to read what was lost after a holiday.
            RetentionPeriod = Duration.Days(14),
        });

        Alarm = new Alarm(this, "Alarm", new AlarmProps
        {
            AlarmName = $"{clusterName}-undelivered-events",
            AlarmDescription = $"{clusterName}: a schedule (daily launch, sweeper) or a status-change rule (cleanup, alert) could not deliver an event; read the message in the queue {clusterName}-undelivered-events for the target and the error",
            Metric = Queue.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Maximum" }),
            Threshold = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = 1,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        Alarm.AddAlarmAction(new SnsAction(alerts));
    }

    public Queue Queue { get; }

    public Alarm Alarm { get; }

    /// <summary>EventBridge Scheduler sends undeliverable events with the schedule's own role, so that role needs this (rules use a queue policy instead).</summary>
    public PolicyStatement SendFromSchedule() => new(new PolicyStatementProps
    {
        Sid = "DeadLetter",
        Actions = ["sqs:SendMessage"],
        Resources = [Queue.QueueArn],
    });
}
