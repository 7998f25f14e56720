using System.Text.Json.Nodes;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

public sealed class ScheduleTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void The_pipeline_runs_daily_at_ten()
    {
        Assert.Equal("cron(0 10 * * ? *)", Schedule(Default)["ScheduleExpression"]!.GetValue<string>());
    }

    [Fact]
    public void The_schedule_runs_in_the_pipeline_time_zone()
    {
        Assert.Equal("Asia/Seoul", Schedule(Default)["ScheduleExpressionTimezone"]!.GetValue<string>());
    }

    [Fact]
    public void Another_cron_and_time_zone_come_from_the_settings()
    {
        var synthesized = Synth.Stack(c =>
        {
            c.Deployment()["scheduleCron"] = "cron(30 6 ? * MON-FRI *)";
            c.Pipeline()["timeZone"] = "Europe/Berlin";
        });

        Assert.Equal(("cron(30 6 ? * MON-FRI *)", "Europe/Berlin"), (Schedule(synthesized)["ScheduleExpression"]!.GetValue<string>(), Schedule(synthesized)["ScheduleExpressionTimezone"]!.GetValue<string>()));
    }

    [Fact]
    public void The_schedule_starts_the_pipeline_with_its_scheduled_time()
    {
        var target = Schedule(Default)["Target"]!;

        Assert.Equal(StateMachineTests.MachineId(Default, "pothole-spark-pipeline"), target["Arn"]!["Ref"]!.GetValue<string>());
        Assert.Equal("""{"scheduledTime":"<aws.scheduler.scheduled-time>"}""", target["Input"]!.GetValue<string>());
    }

    [Fact]
    public void The_schedule_fires_at_the_exact_time()
    {
        Assert.Equal("OFF", Schedule(Default)["FlexibleTimeWindow"]!["Mode"]!.GetValue<string>());
    }

    [Fact]
    public void The_schedule_can_be_deployed_disabled()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["scheduleEnabled"] = false);

        Assert.Equal("DISABLED", Schedule(synthesized)["State"]!.GetValue<string>());
    }

    private static JsonNode Schedule(Synthesized s) => Assert.Single(s.Resources("AWS::Scheduler::Schedule")).Resource["Properties"]!;
}
