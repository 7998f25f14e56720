using System.Text.Json.Nodes;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

public sealed class ScheduleTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void The_pipeline_runs_daily_at_ten()
    {
        Assert.Equal("cron(0 10 * * ? *)", Daily(Default)["ScheduleExpression"]!.GetValue<string>());
    }

    [Fact]
    public void The_schedule_runs_in_the_pipeline_time_zone()
    {
        Assert.Equal("Asia/Seoul", Daily(Default)["ScheduleExpressionTimezone"]!.GetValue<string>());
    }

    [Fact]
    public void Another_cron_and_time_zone_come_from_the_settings()
    {
        var synthesized = Synth.Stack(c =>
        {
            c.Deployment()["scheduleCron"] = "cron(30 6 ? * MON-FRI *)";
            c.Pipeline()["timeZone"] = "Europe/Berlin";
        });

        Assert.Equal(("cron(30 6 ? * MON-FRI *)", "Europe/Berlin"), (Daily(synthesized)["ScheduleExpression"]!.GetValue<string>(), Daily(synthesized)["ScheduleExpressionTimezone"]!.GetValue<string>()));
    }

    /// <summary>
    /// The backfill state machine is the daily launcher: from the scheduled time it runs the previous
    /// day with the child execution named after the date, so a second launch is a refused duplicate.
    /// </summary>
    [Fact]
    public void The_daily_schedule_starts_the_backfill_launcher_with_its_scheduled_time()
    {
        var target = Daily(Default)["Target"]!;

        Assert.Equal(StateMachineTests.MachineId(Default, "pothole-spark-backfill"), target["Arn"]!["Ref"]!.GetValue<string>());
        Assert.Equal("""{"scheduledTime":"<aws.scheduler.scheduled-time>"}""", target["Input"]!.GetValue<string>());
    }

    [Fact]
    public void The_daily_schedule_no_longer_starts_the_pipeline_directly()
    {
        var pipelineId = StateMachineTests.MachineId(Default, "pothole-spark-pipeline");

        Assert.DoesNotContain(Default.Resources("AWS::Scheduler::Schedule"), s => s.Resource["Properties"]!["Target"]!["Arn"]!.ToJsonString().Contains(pipelineId, StringComparison.Ordinal));
    }

    [Fact]
    public void The_schedule_fires_at_the_exact_time()
    {
        Assert.Equal("OFF", Daily(Default)["FlexibleTimeWindow"]!["Mode"]!.GetValue<string>());
    }

    [Fact]
    public void The_schedule_can_be_deployed_disabled()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["scheduleEnabled"] = false);

        Assert.Equal("DISABLED", Daily(synthesized)["State"]!.GetValue<string>());
        // The sweeper guards manual runs too: it stays on.
        Assert.Equal("ENABLED", Sweeper(synthesized)!["State"]!.GetValue<string>());
    }

    [Fact]
    public void The_sweeper_runs_every_sweepMinutes()
    {
        Assert.Equal("rate(15 minutes)", Sweeper(Default)!["ScheduleExpression"]!.GetValue<string>());
    }

    [Fact]
    public void Another_sweep_interval_comes_from_the_settings()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["sweepMinutes"] = 60);

        Assert.Equal("rate(60 minutes)", Sweeper(synthesized)!["ScheduleExpression"]!.GetValue<string>());
    }

    [Fact]
    public void The_sweeper_invokes_the_Sweep_function_with_an_empty_input()
    {
        var target = Sweeper(Default)!["Target"]!;
        var function = Default.Resource(target["Arn"]!["Fn::GetAtt"]![0]!.GetValue<string>());

        Assert.Equal("pothole-spark-Sweep", function["Properties"]!["FunctionName"]!.GetValue<string>());
        Assert.Equal("{}", target["Input"]!.GetValue<string>());
    }

    [Fact]
    public void A_late_sweep_is_dropped_once_the_next_is_due()
    {
        Assert.Equal(15 * 60, Sweeper(Default)!["Target"]!["RetryPolicy"]!["MaximumEventAgeInSeconds"]!.GetValue<int>());
    }

    [Fact]
    public void A_sweepMinutes_of_0_deploys_no_sweeper()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["sweepMinutes"] = 0);

        Assert.Null(Sweeper(synthesized));
        Assert.DoesNotContain(synthesized.Statements(), s => s.Actions.Contains("lambda:InvokeFunction") && s.Sid == "InvokeSweep");
        Assert.Single(synthesized.Resources("AWS::Scheduler::Schedule"));
    }

    [Theory]
    [InlineData(5, "rate(5 minutes)")]
    [InlineData(1440, "rate(1440 minutes)")]
    public void The_rate_expression_names_the_minutes(int minutes, string expected)
    {
        Assert.Equal(expected, SweepSchedule.RateExpression(minutes));
    }

    /// <summary>The logical id of the role the schedule named <paramref name="name"/> runs its target as.</summary>
    internal static string RoleId(Synthesized s, string name) =>
        Named(s, name)!["Target"]!["RoleArn"]!["Fn::GetAtt"]![0]!.GetValue<string>();

    private static JsonNode Daily(Synthesized s) => Named(s, "pothole-spark-daily")!;

    private static JsonNode? Sweeper(Synthesized s) => Named(s, "pothole-spark-sweep");

    private static JsonNode? Named(Synthesized s, string name) =>
        s.Resources("AWS::Scheduler::Schedule").Select(r => r.Resource["Properties"]!).SingleOrDefault(p => p["Name"]!.GetValue<string>() == name);
}
