using Pipeline.Cdk.Settings;

namespace Pipeline.Cdk.Tests;

public sealed class ScheduleCronTests
{
    [Theory]
    [InlineData("cron(0 10 * * ? *)")]
    [InlineData("cron(30 1 ? * MON-FRI *)")]
    [InlineData("cron(0 10 L * ? 2026-2030)")]
    public void EventBridge_Scheduler_crons_are_accepted(string expression) => Assert.True(ScheduleCron.IsValid(expression));

    [Theory]
    [InlineData("0 10 * * ? *")]
    [InlineData("cron(0 10 * * *)")]
    [InlineData("cron(0 10 * * * *)")]
    [InlineData("cron(0 10 ? * ? *)")]
    [InlineData("rate(1 day)")]
    [InlineData("cron(0 10 * * ? *); echo")]
    public void Other_expressions_are_refused(string expression) => Assert.False(ScheduleCron.IsValid(expression));
}
