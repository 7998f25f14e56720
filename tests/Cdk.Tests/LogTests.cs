using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

/// <summary>Every log of the stack expires, including the ones a function would otherwise create on first use.</summary>
public sealed class LogTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void Every_log_group_has_a_retention()
    {
        var groups = Default.Resources("AWS::Logs::LogGroup").ToList();

        Assert.NotEmpty(groups);
        Assert.All(groups, g => Assert.Equal(30, g.Resource["Properties"]!["RetentionInDays"]?.GetValue<int>()));
    }

    [Fact]
    public void Every_function_logs_to_a_group_of_the_stack_not_one_Lambda_would_create()
    {
        var groupIds = Default.Resources("AWS::Logs::LogGroup").Select(g => g.Id).ToHashSet();

        Assert.All(Default.Resources("AWS::Lambda::Function"), f =>
            Assert.Contains(f.Resource["Properties"]!["LoggingConfig"]?["LogGroup"]?["Ref"]?.GetValue<string>() ?? "(none)", groupIds));
    }

    [Fact]
    public void Every_state_machine_logs_to_a_group_of_the_stack()
    {
        var groupIds = Default.Resources("AWS::Logs::LogGroup").Select(g => g.Id).ToHashSet();

        Assert.All(Default.Resources("AWS::StepFunctions::StateMachine"), m =>
            Assert.Contains(m.Resource["Properties"]!["LoggingConfiguration"]!["Destinations"]![0]!["CloudWatchLogsLogGroup"]!["LogGroupArn"]!["Fn::GetAtt"]![0]!.GetValue<string>(), groupIds));
    }

    [Fact]
    public void No_custom_resource_sets_retention_behind_the_scenes()
    {
        Default.Template.ResourceCountIs("Custom::LogRetention", 0);
    }

    [Fact]
    public void A_configured_retention_reaches_every_group()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["logRetentionDays"] = 90);

        Assert.All(synthesized.Resources("AWS::Logs::LogGroup"), g => Assert.Equal(90, g.Resource["Properties"]!["RetentionInDays"]!.GetValue<int>()));
    }
}
