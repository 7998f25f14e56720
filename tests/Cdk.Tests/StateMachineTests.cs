using System.Text.Json.Nodes;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

public sealed class StateMachineTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Theory]
    [InlineData("pipeline.asl.json", "pothole-spark-pipeline")]
    [InlineData("cleanup.asl.json", "pothole-spark-cleanup")]
    public void Every_placeholder_in_the_definition_file_has_a_substitution(string file, string machine)
    {
        var placeholders = AslDefinition.Placeholders(File.ReadAllText(Path.Combine(Repo.StateMachines, file)));
        var substitutions = Properties(machine)["DefinitionSubstitutions"]!.AsObject().Select(p => p.Key);

        Assert.NotEmpty(placeholders);
        Assert.Equal(placeholders.Order(), substitutions.Order());
    }

    [Theory]
    [InlineData("pipeline.asl.json", "pothole-spark-pipeline")]
    [InlineData("cleanup.asl.json", "pothole-spark-cleanup")]
    public void Each_substitution_is_the_ARN_of_its_handler_s_function(string file, string machine)
    {
        var substitutions = Properties(machine)["DefinitionSubstitutions"]!.AsObject();

        Assert.All(AslDefinition.Load(Repo.StateMachines, file).Handlers, handler =>
        {
            var function = Default.Resource(substitutions[LambdaHandlers.ArnPlaceholder(handler)]!["Fn::GetAtt"]![0]!.GetValue<string>());
            Assert.Equal($"pothole-spark-{handler}", function["Properties"]!["FunctionName"]!.GetValue<string>());
        });
    }

    [Theory]
    [InlineData("pipeline.asl.json", "pothole-spark-pipeline")]
    [InlineData("cleanup.asl.json", "pothole-spark-cleanup")]
    public void The_deployed_definition_is_the_file_s_definition(string file, string machine)
    {
        var deployed = JsonNode.Parse(Properties(machine)["DefinitionString"]!.GetValue<string>())!.AsObject();
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.StateMachines, file)))!.AsObject();
        deployed.Remove("TimeoutSeconds");
        written.Remove("TimeoutSeconds");

        Assert.True(JsonNode.DeepEquals(written, deployed));
    }

    [Theory]
    [InlineData("pipeline.asl.json", "pothole-spark-pipeline")]
    [InlineData("cleanup.asl.json", "pothole-spark-cleanup")]
    public void A_state_machine_may_invoke_exactly_the_functions_its_definition_names(string file, string machine)
    {
        var roleId = Properties(machine)["RoleArn"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var invoke = Assert.Single(Default.StatementsOfRole(roleId), s => s.Actions.Contains("lambda:InvokeFunction"));
        var expected = AslDefinition.Load(Repo.StateMachines, file).Handlers.Select(h => $"pothole-spark-{h}").Order();

        var granted = invoke.Resources.Select(r => Default.Resource(r!["Fn::GetAtt"]![0]!.GetValue<string>())["Properties"]!["FunctionName"]!.GetValue<string>());

        Assert.Equal(["lambda:InvokeFunction"], invoke.Actions);
        Assert.Equal(expected, granted.Order());
    }

    [Fact]
    public void A_pipeline_run_times_out_no_later_than_maxRunMinutes()
    {
        var definition = JsonNode.Parse(Properties("pothole-spark-pipeline")["DefinitionString"]!.GetValue<string>())!;

        Assert.InRange(definition["TimeoutSeconds"]!.GetValue<int>(), 1, 360 * 60);
    }

    [Fact]
    public void A_cleanup_run_has_a_timeout()
    {
        var definition = JsonNode.Parse(Properties("pothole-spark-cleanup")["DefinitionString"]!.GetValue<string>())!;

        Assert.NotNull(definition["TimeoutSeconds"]);
    }

    [Theory]
    [InlineData("pothole-spark-pipeline")]
    [InlineData("pothole-spark-cleanup")]
    public void Executions_log_everything_to_a_group_with_retention(string machine)
    {
        var logging = Properties(machine)["LoggingConfiguration"]!;
        var groupId = logging["Destinations"]![0]!["CloudWatchLogsLogGroup"]!["LogGroupArn"]!["Fn::GetAtt"]![0]!.GetValue<string>();

        Assert.Equal("ALL", logging["Level"]!.GetValue<string>());
        Assert.Equal($"/aws/vendedlogs/states/{machine}", Default.Resource(groupId)["Properties"]!["LogGroupName"]!.GetValue<string>());
        Assert.Equal(30, Default.Resource(groupId)["Properties"]!["RetentionInDays"]!.GetValue<int>());
    }

    [Fact]
    public void Both_machines_are_standard_workflows()
    {
        Assert.All(Default.Resources("AWS::StepFunctions::StateMachine"), m => Assert.Equal("STANDARD", m.Resource["Properties"]!["StateMachineType"]!.GetValue<string>()));
    }

    internal static string MachineId(Synthesized s, string name) =>
        s.Resources("AWS::StepFunctions::StateMachine").Single(m => m.Resource["Properties"]!["StateMachineName"]!.GetValue<string>() == name).Id;

    private static JsonNode Properties(string machine) => Default.Resource(MachineId(Default, machine))["Properties"]!;
}
