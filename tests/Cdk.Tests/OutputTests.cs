using System.Text.Json.Nodes;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

public sealed class OutputTests
{
    [Theory]
    [InlineData("StateMachineArn")]
    [InlineData("DataBucketName")]
    [InlineData("ManualRun")]
    [InlineData("ManualRunConsole")]
    [InlineData("MasterInstanceId")]
    [InlineData("AlertTopicArn")]
    [InlineData("BackfillStateMachineArn")]
    [InlineData("Backfill")]
    [InlineData("BackfillConsole")]
    [InlineData("DashboardUrl")]
    public void The_stack_outputs(string name)
    {
        Assert.NotNull(Synth.DefaultStack.Json["Outputs"]![name]);
    }

    [Fact]
    public void The_manual_run_hint_starts_an_execution_with_a_date()
    {
        var parts = Synth.DefaultStack.Json["Outputs"]!["ManualRun"]!["Value"]!["Fn::Join"]![1]!.AsArray();
        var hint = string.Concat(parts.Select(p => p is JsonValue v ? v.GetValue<string>() : "<arn>"));

        Assert.Equal("aws stepfunctions start-execution --state-machine-arn <arn> --name manual-YYYY-MM-DD --input '{\"date\":\"YYYY-MM-DD\"}'", hint);
    }

    [Fact]
    public void The_backfill_state_machine_ARN_is_an_output()
    {
        var value = Synth.DefaultStack.Json["Outputs"]!["BackfillStateMachineArn"]!["Value"]!;

        Assert.Equal(StateMachineTests.MachineId(Synth.DefaultStack, "pothole-spark-backfill"), value["Ref"]!.GetValue<string>());
    }

    [Fact]
    public void The_backfill_hint_starts_an_execution_with_from_to_and_mode()
    {
        var parts = Synth.DefaultStack.Json["Outputs"]!["Backfill"]!["Value"]!["Fn::Join"]![1]!.AsArray();
        var hint = string.Concat(parts.Select(p => p is JsonValue v ? v.GetValue<string>() : "<arn>"));

        Assert.Equal("aws stepfunctions start-execution --state-machine-arn <arn> --input '{\"from\":\"YYYY-MM-DD\",\"to\":\"YYYY-MM-DD\",\"mode\":\"missing\"}'", hint);
    }

    [Fact]
    public void The_backfill_console_hint_names_the_input()
    {
        var output = Synth.DefaultStack.Json["Outputs"]!["BackfillConsole"]!;

        Assert.Contains("{\"from\":\"YYYY-MM-DD\",\"to\":\"YYYY-MM-DD\",\"mode\":\"missing\"}", output["Description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(StateMachineTests.MachineId(Synth.DefaultStack, "pothole-spark-backfill"), output["Value"]!.ToJsonString(), StringComparison.Ordinal);
    }
}
