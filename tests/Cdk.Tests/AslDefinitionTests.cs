using System.Text.Json.Nodes;
using Pipeline.Cdk.Settings;

namespace Pipeline.Cdk.Tests;

public sealed class AslDefinitionTests
{
    [Fact]
    public void Placeholders_are_found_once_each_in_order()
    {
        Assert.Equal(["A", "B"], AslDefinition.Placeholders("""{"x":"${A}","y":"${B}","z":"${A}"}"""));
    }

    [Fact]
    public void A_definition_names_the_handlers_it_needs()
    {
        var definition = Load("""{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"${StopClusterFunctionArn}","End":true}}}""");

        Assert.Equal(["StopCluster"], definition.Handlers);
    }

    [Fact]
    public void A_placeholder_for_no_handler_stops_the_synth()
    {
        var error = Assert.Throws<SettingsException>(() => Load("""{"Comment":"fills ${Placeholder}","StartAt":"S","States":{}}"""));

        Assert.Contains(error.Problems, p => p.Contains("placeholder ${Placeholder} has no substitution", StringComparison.Ordinal));
    }

    [Fact]
    public void A_placeholder_the_caller_fills_is_accepted_beside_the_handlers()
    {
        var text = """{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"${PlanBackfillFunctionArn}","Parameters":{"StateMachineArn":"${PipelineStateMachineArn}"},"End":true}}}""";
        var dir = Directory.CreateTempSubdirectory("asl-").FullName;
        File.WriteAllText(Path.Combine(dir, "x.asl.json"), text);

        var definition = AslDefinition.Load(dir, "x.asl.json", ["PipelineStateMachineArn"]);

        Assert.Equal(["PlanBackfill"], definition.Handlers);
        Assert.Equal(["PipelineStateMachineArn"], definition.Others);
    }

    [Fact]
    public void A_placeholder_the_caller_does_not_fill_still_stops_the_synth()
    {
        var dir = Directory.CreateTempSubdirectory("asl-").FullName;
        File.WriteAllText(Path.Combine(dir, "x.asl.json"), """{"Comment":"${PipelineStateMachineArn}","StartAt":"S","States":{}}""");

        var error = Assert.Throws<SettingsException>(() => AslDefinition.Load(dir, "x.asl.json"));

        Assert.Contains(error.Problems, p => p.Contains("placeholder ${PipelineStateMachineArn} has no substitution", StringComparison.Ordinal));
    }

    [Fact]
    public void A_definition_that_is_not_JSON_stops_the_synth()
    {
        var error = Assert.Throws<SettingsException>(() => Load("""{"StartAt": """));

        Assert.Contains(error.Problems, p => p.Contains("not valid JSON", StringComparison.Ordinal));
    }

    [Fact]
    public void The_execution_timeout_is_added_when_the_file_has_none()
    {
        var text = Load("""{"StartAt":"S","States":{}}""").WithTimeouts(600, 65);

        Assert.Equal(600, JsonNode.Parse(text)!["TimeoutSeconds"]!.GetValue<int>());
    }

    [Fact]
    public void A_shorter_timeout_in_the_file_is_kept()
    {
        var text = Load("""{"TimeoutSeconds":300,"StartAt":"S","States":{}}""").WithTimeouts(600, 65);

        Assert.Equal(300, JsonNode.Parse(text)!["TimeoutSeconds"]!.GetValue<int>());
    }

    [Fact]
    public void A_longer_timeout_in_the_file_stops_the_synth()
    {
        var definition = Load("""{"TimeoutSeconds":9000,"StartAt":"S","States":{}}""");

        Assert.Throws<SettingsException>(() => definition.WithTimeouts(600, 65));
    }

    [Fact]
    public void Every_function_task_gets_the_task_timeout_also_in_branches_and_other_tasks_keep_theirs()
    {
        var text = Load("""
            {"StartAt":"P","States":{
              "P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${StopClusterFunctionArn}","TimeoutSeconds":120,"End":true}}}]},
              "B":{"Type":"Task","Resource":"${SweepFunctionArn}","End":true},
              "C":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","TimeoutSeconds":999,"End":true}}}
            """).WithTimeouts(600, 65);
        var states = JsonNode.Parse(text)!["States"]!;

        Assert.Equal(65, states["P"]!["Branches"]![0]!["States"]!["A"]!["TimeoutSeconds"]!.GetValue<int>());
        Assert.Equal(65, states["B"]!["TimeoutSeconds"]!.GetValue<int>());
        Assert.Equal(999, states["C"]!["TimeoutSeconds"]!.GetValue<int>());
    }

    private static AslDefinition Load(string text)
    {
        var dir = Directory.CreateTempSubdirectory("asl-").FullName;
        File.WriteAllText(Path.Combine(dir, "x.asl.json"), text);
        return AslDefinition.Load(dir, "x.asl.json");
    }
}
