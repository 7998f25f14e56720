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
}
