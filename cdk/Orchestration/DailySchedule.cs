using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Scheduler;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;

namespace Pipeline.Cdk;

/// <summary>
/// Starts the pipeline every day with the scheduler's own timestamp; the pipeline turns it into the
/// batch date (the previous day in the same time zone). EventBridge Scheduler, not a rule, because
/// only the scheduler evaluates cron in a time zone (and so follows its daylight saving).
/// </summary>
public sealed class DailySchedule : Construct
{
    public const string Input = "{\"scheduledTime\":\"<aws.scheduler.scheduled-time>\"}";

    public DailySchedule(Construct scope, string id, IStateMachine pipeline, string name, string cron, string timeZone, bool enabled)
        : base(scope, id)
    {
        var role = new Role(this, "Role", new RoleProps
        {
            // Only schedules of this account may use the role (confused-deputy guard).
            AssumedBy = new ServicePrincipal("scheduler.amazonaws.com", new ServicePrincipalOpts
            {
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Aws.ACCOUNT_ID },
                },
            }),
            Description = $"{name}: start the pipeline state machine, nothing else",
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "StartPipeline",
            Actions = ["states:StartExecution"],
            Resources = [pipeline.StateMachineArn],
        }));

        Schedule = new CfnSchedule(this, "Schedule", new CfnScheduleProps
        {
            Name = name,
            Description = "Daily run of the Spark pipeline for the previous day",
            ScheduleExpression = cron,
            ScheduleExpressionTimezone = timeZone,
            State = enabled ? "ENABLED" : "DISABLED",
            FlexibleTimeWindow = new CfnSchedule.FlexibleTimeWindowProperty { Mode = "OFF" },
            Target = new CfnSchedule.TargetProperty
            {
                Arn = pipeline.StateMachineArn,
                RoleArn = role.RoleArn,
                Input = Input,
                RetryPolicy = new CfnSchedule.RetryPolicyProperty { MaximumRetryAttempts = 3, MaximumEventAgeInSeconds = 3600 },
            },
        });
    }

    public CfnSchedule Schedule { get; }
}
