using System.Text.Json.Nodes;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

public sealed class DashboardTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void The_stack_has_one_dashboard_named_after_the_cluster()
    {
        var dashboard = Assert.Single(Default.Resources("AWS::CloudWatch::Dashboard"));

        Assert.Equal("pothole-spark", dashboard.Resource["Properties"]!["DashboardName"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("pothole-spark-pipeline")]
    [InlineData("pothole-spark-backfill")]
    public void The_dashboard_shows_how_each_machine_s_executions_ended(string machine)
    {
        var metrics = Metrics().Where(m => m.Namespace == "AWS/States" && m.Dimension == $"{{Ref:{StateMachineTests.MachineId(Default, machine)}}}").Select(m => m.Name).ToHashSet();

        Assert.Superset(new HashSet<string> { "ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted", "ExecutionTime" }, metrics);
    }

    [Fact]
    public void The_dashboard_shows_median_and_longest_run_times()
    {
        var body = Body();

        Assert.Contains("\"stat\":\"p50\"", body, StringComparison.Ordinal);
        Assert.Contains("\"stat\":\"Maximum\"", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Errors")]
    [InlineData("Throttles")]
    public void The_dashboard_shows_errors_and_throttles_of_every_step_function(string metric)
    {
        var functions = Metrics().Where(m => m.Namespace == "AWS/Lambda" && m.Name == metric).Select(m => m.Dimension).ToHashSet();
        var expected = Default.PipelineFunctions().Select(f => $"{{Ref:{f.Id}}}");

        Assert.Superset(expected.ToHashSet(), functions);
        Assert.Equal(LambdaHandlers.Names.Count, functions.Count);
    }

    /// <summary>The dashboard body as deployed, with each reference written as <c>{Ref:Id}</c>.</summary>
    private static string Body() =>
        Synthesized.Text(Assert.Single(Default.Resources("AWS::CloudWatch::Dashboard")).Resource["Properties"]!["DashboardBody"]!);

    /// <summary>Every metric of every graph: namespace, name and its first dimension's value.</summary>
    private static IEnumerable<(string Namespace, string Name, string Dimension)> Metrics() =>
        JsonNode.Parse(Body())!["widgets"]!.AsArray()
            .SelectMany(w => w!["properties"]!["metrics"]?.AsArray() ?? [])
            .Select(m => m!.AsArray())
            // [namespace, name, dimension name, dimension value, {options}]; math expressions are [{expression...}].
            .Where(m => m.Count >= 4 && m[0] is JsonValue)
            .Select(m => (m[0]!.GetValue<string>(), m[1]!.GetValue<string>(), m[3]!.GetValue<string>()));
}
