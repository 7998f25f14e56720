using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Scheduler;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;

namespace Pipeline.Cdk;

/// <summary>
/// Launches the day's run every day with the scheduler's own timestamp. The target is the backfill
/// state machine acting as the daily launcher: from <c>{"scheduledTime"}</c> it takes the batch date
/// (the previous day in the same time zone) and starts the pipeline execution named exactly after
/// that date, so a second launch for the same day (a scheduler retry, a manual duplicate) is refused
/// by Step Functions as a duplicate name instead of running twice. EventBridge Scheduler, not a rule,
/// because only the scheduler evaluates cron in a time zone (and so follows its daylight saving).
/// </summary>
public sealed class DailySchedule : Construct
{
    public const string Input = "{\"scheduledTime\":\"<aws.scheduler.scheduled-time>\"}";

    public DailySchedule(Construct scope, string id, IStateMachine launcher, string name, string cron, string timeZone, bool enabled, DeadLetters deadLetters)
        : base(scope, id)
    {
        var role = new Role(this, "Role", new RoleProps
        {
            AssumedBy = SchedulerPrincipal.OfThisAccount(),
            Description = $"{name}: start the daily launch (backfill state machine), nothing else",
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "StartDailyLaunch",
            Actions = ["states:StartExecution"],
            Resources = [launcher.StateMachineArn],
        }));

        role.AddToPolicy(deadLetters.SendFromSchedule());

        Schedule = new CfnSchedule(this, "Schedule", new CfnScheduleProps
        {
            Name = name,
            Description = "Daily launch of the Spark pipeline for the previous day (child execution named after the date)",
            ScheduleExpression = cron,
            ScheduleExpressionTimezone = timeZone,
            State = enabled ? "ENABLED" : "DISABLED",
            FlexibleTimeWindow = new CfnSchedule.FlexibleTimeWindowProperty { Mode = "OFF" },
            Target = new CfnSchedule.TargetProperty
            {
                // A launch or sweep that could not be delivered after the retries is kept and alarmed, not dropped.
                DeadLetterConfig = new CfnSchedule.DeadLetterConfigProperty { Arn = deadLetters.Queue.QueueArn },
                Arn = launcher.StateMachineArn,
                RoleArn = role.RoleArn,
                Input = Input,
                // Retrying is safe: the pipeline child of a date can exist only once.
                RetryPolicy = new CfnSchedule.RetryPolicyProperty { MaximumRetryAttempts = 3, MaximumEventAgeInSeconds = 3600 },
            },
        });
    }

    public CfnSchedule Schedule { get; }
}

/// <summary>The scheduler as it may assume this stack's roles: only for schedules of this account (confused-deputy guard).</summary>
internal static class SchedulerPrincipal
{
    public static ServicePrincipal OfThisAccount() => new("scheduler.amazonaws.com", new ServicePrincipalOpts
    {
        Conditions = new Dictionary<string, object>
        {
            ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Aws.ACCOUNT_ID },
        },
    });
}
