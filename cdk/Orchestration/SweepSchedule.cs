using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Scheduler;
using Constructs;

namespace Pipeline.Cdk;

/// <summary>
/// Runs the Sweep function every <c>deployment.sweepMinutes</c>: the last line of defence when both
/// the Catch branch and the status-change rule missed a cleanup. EventBridge Scheduler with a role
/// that may invoke exactly this function (as the daily schedule does), rather than a rule and a
/// resource policy on the function.
/// </summary>
public sealed class SweepSchedule : Construct
{
    /// <summary>Sweep takes no input; the scheduler sends an empty object.</summary>
    public const string Input = "{}";

    public SweepSchedule(Construct scope, string id, IFunction sweep, string name, int minutes, DeadLetters deadLetters)
        : base(scope, id)
    {
        var role = new Role(this, "Role", new RoleProps
        {
            AssumedBy = SchedulerPrincipal.OfThisAccount(),
            Description = $"{name}: invoke the Sweep function, nothing else",
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "InvokeSweep",
            Actions = ["lambda:InvokeFunction"],
            Resources = [sweep.FunctionArn],
        }));

        role.AddToPolicy(deadLetters.SendFromSchedule());

        Schedule = new CfnSchedule(this, "Schedule", new CfnScheduleProps
        {
            Name = name,
            Description = "Stops cluster nodes no run holds and releases stale locks",
            ScheduleExpression = RateExpression(minutes),
            State = "ENABLED",
            FlexibleTimeWindow = new CfnSchedule.FlexibleTimeWindowProperty { Mode = "OFF" },
            Target = new CfnSchedule.TargetProperty
            {
                // A launch or sweep that could not be delivered after the retries is kept and alarmed, not dropped.
                DeadLetterConfig = new CfnSchedule.DeadLetterConfigProperty { Arn = deadLetters.Queue.QueueArn },
                Arn = sweep.FunctionArn,
                RoleArn = role.RoleArn,
                Input = Input,
                // A sweep that could not be delivered before the next one is due is not worth delivering.
                RetryPolicy = new CfnSchedule.RetryPolicyProperty { MaximumRetryAttempts = 2, MaximumEventAgeInSeconds = Math.Clamp(minutes * 60, 60, 86400) },
            },
        });
    }

    public CfnSchedule Schedule { get; }

    public static string RateExpression(int minutes) => minutes == 1 ? "rate(1 minute)" : $"rate({minutes} minutes)";
}
