using System.Text.Json.Nodes;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

public sealed class StateMachineTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Theory]
    [InlineData("pipeline.asl.json", "pothole-spark-pipeline")]
    [InlineData("cleanup.asl.json", "pothole-spark-cleanup")]
    [InlineData("backfill.asl.json", "pothole-spark-backfill")]
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
    [InlineData("backfill.asl.json", "pothole-spark-backfill")]
    public void Each_substitution_is_the_ARN_of_its_handler_s_function(string file, string machine)
    {
        var substitutions = Properties(machine)["DefinitionSubstitutions"]!.AsObject();

        Assert.All(AslDefinition.Load(Repo.StateMachines, file, [BackfillWorkflow.PipelineArnPlaceholder]).Handlers, handler =>
        {
            var function = Default.Resource(substitutions[LambdaHandlers.ArnPlaceholder(handler)]!["Fn::GetAtt"]![0]!.GetValue<string>());
            Assert.Equal($"pothole-spark-{handler}", function["Properties"]!["FunctionName"]!.GetValue<string>());
        });
    }

    [Theory]
    [InlineData("pipeline.asl.json", "pothole-spark-pipeline")]
    [InlineData("cleanup.asl.json", "pothole-spark-cleanup")]
    [InlineData("backfill.asl.json", "pothole-spark-backfill")]
    public void The_deployed_definition_is_the_file_s_definition(string file, string machine)
    {
        var deployed = JsonNode.Parse(Properties(machine)["DefinitionString"]!.GetValue<string>())!.AsObject();
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.StateMachines, file)))!.AsObject();
        deployed.Remove("TimeoutSeconds");
        written.Remove("TimeoutSeconds");
        foreach (var task in AslDefinition.FunctionTasks(written).Concat(AslDefinition.FunctionTasks(deployed)).ToList())
        {
            task.Remove("TimeoutSeconds");
        }

        Assert.True(JsonNode.DeepEquals(written, deployed));
    }

    [Theory]
    [InlineData("pipeline.asl.json", "pothole-spark-pipeline")]
    [InlineData("cleanup.asl.json", "pothole-spark-cleanup")]
    [InlineData("backfill.asl.json", "pothole-spark-backfill")]
    [InlineData("alert.asl.json", "pothole-spark-alerts")]
    public void Every_function_task_times_out_after_its_function_and_retries_a_hang(string file, string machine)
    {
        var deployed = JsonNode.Parse(Properties(machine)["DefinitionString"]!.GetValue<string>())!.AsObject();
        var substitutions = Properties(machine)["DefinitionSubstitutions"]!.AsObject();
        var tasks = AslDefinition.FunctionTasks(deployed).ToList();
        Assert.NotEmpty(tasks);
        Assert.All(tasks, task =>
        {
            var placeholder = task["Resource"]!.GetValue<string>()[2..^1];
            var function = Default.Resource(substitutions[placeholder]!["Fn::GetAtt"]![0]!.GetValue<string>())["Properties"]!;
            var functionTimeout = function["Timeout"]!.GetValue<int>();
            var taskTimeout = task["TimeoutSeconds"]!.GetValue<int>();

            // Lambda ends a hung attempt (Lambda.Unknown / Sandbox.Timedout, or the handler's own
            // Pipeline.TaskTimedOut half a second earlier) before Step Functions could start a retry beside it.
            Assert.True(taskTimeout > functionTimeout, $"{file}: a Task times out after {taskTimeout} s, its function after {functionTimeout} s");
            Assert.True(taskTimeout - functionTimeout <= 10, $"{file}: a Task waits {taskTimeout - functionTimeout} s past its function's timeout");
            var retried = task["Retry"]!.AsArray().SelectMany(r => r!["ErrorEquals"]!.AsArray().Select(e => e!.GetValue<string>())).ToHashSet();
            Assert.True(retried.Contains("States.ALL") || new[] { "Pipeline.TaskTimedOut", "Lambda.Unknown", "Sandbox.Timedout", "States.Timeout", "Pipeline.AwsTransient", "Lambda.ServiceException" }.All(retried.Contains),
                $"{file}: a Task's retries miss a hang or a transient failure: {string.Join(", ", retried)}");
        });
    }

    [Theory]
    [InlineData("pipeline.asl.json", "pothole-spark-pipeline")]
    [InlineData("cleanup.asl.json", "pothole-spark-cleanup")]
    [InlineData("backfill.asl.json", "pothole-spark-backfill")]
    [InlineData("alert.asl.json", "pothole-spark-alerts")]
    public void The_standard_retry_list_is_what_the_run_budget_assumes(string file, string machine)
    {
        var deployed = JsonNode.Parse(Properties(machine)["DefinitionString"]!.GetValue<string>())!.AsObject();
        foreach (var retrier in AslDefinition.FunctionTasks(deployed).SelectMany(t => t["Retry"]!.AsArray()).Select(r => r!.AsObject()).Where(r => r["MaxAttempts"]?.GetValue<int>() != 0))
        {
            // The defaults the States Language gives an absent field; no ceiling when MaxDelaySeconds is absent.
            var attempts = retrier["MaxAttempts"]?.GetValue<int>() ?? 3;
            var interval = retrier["IntervalSeconds"]?.GetValue<int>() ?? 1;
            var rate = retrier["BackoffRate"]?.GetValue<double>() ?? 2.0;
            var ceiling = retrier["MaxDelaySeconds"]?.GetValue<int>() ?? int.MaxValue;
            var delays = Enumerable.Range(0, attempts).Sum(i => Math.Min(ceiling, interval * Math.Pow(rate, i)));
            if (retrier["ErrorEquals"]!.AsArray().Any(e => e!.GetValue<string>() == "States.ALL"))
            {
                continue;
            }

            Assert.True(attempts <= Pipeline.Functions.Domain.RunBudget.TaskRetries, $"{file}: {attempts} retries, the run budget assumes {Pipeline.Functions.Domain.RunBudget.TaskRetries}");
            Assert.True(delays <= Pipeline.Functions.Domain.RunBudget.RetryDelaySeconds, $"{file}: {delays} s of retry delays, the run budget assumes {Pipeline.Functions.Domain.RunBudget.RetryDelaySeconds}");
        }
    }

    [Theory]
    [InlineData("pipeline.asl.json", "pothole-spark-pipeline")]
    [InlineData("cleanup.asl.json", "pothole-spark-cleanup")]
    [InlineData("backfill.asl.json", "pothole-spark-backfill")]
    public void A_state_machine_may_invoke_exactly_the_functions_its_definition_names(string file, string machine)
    {
        var roleId = Properties(machine)["RoleArn"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var invoke = Assert.Single(Default.StatementsOfRole(roleId), s => s.Actions.Contains("lambda:InvokeFunction"));
        var expected = AslDefinition.Load(Repo.StateMachines, file, [BackfillWorkflow.PipelineArnPlaceholder]).Handlers.Select(h => $"pothole-spark-{h}").Order();

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
    [InlineData("pothole-spark-backfill")]
    public void Executions_log_everything_to_a_group_with_retention(string machine)
    {
        var logging = Properties(machine)["LoggingConfiguration"]!;
        var groupId = logging["Destinations"]![0]!["CloudWatchLogsLogGroup"]!["LogGroupArn"]!["Fn::GetAtt"]![0]!.GetValue<string>();

        Assert.Equal("ALL", logging["Level"]!.GetValue<string>());
        Assert.Equal($"/aws/vendedlogs/states/{machine}", Default.Resource(groupId)["Properties"]!["LogGroupName"]!.GetValue<string>());
        Assert.Equal(30, Default.Resource(groupId)["Properties"]!["RetentionInDays"]!.GetValue<int>());
    }

    [Fact]
    public void Every_machine_is_a_standard_workflow()
    {
        Assert.Equal(4, Default.Resources("AWS::StepFunctions::StateMachine").Count());
        Assert.All(Default.Resources("AWS::StepFunctions::StateMachine"), m => Assert.Equal("STANDARD", m.Resource["Properties"]!["StateMachineType"]!.GetValue<string>()));
    }

    /// <summary>A new definition file is deployed (and so covered by the placeholder tests above), not silently left out.</summary>
    [Fact]
    public void Every_definition_file_of_the_statemachine_folder_is_deployed()
    {
        var files = Directory.GetFiles(Repo.StateMachines, "*.asl.json").Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(files, StateMachineFiles.All.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_backfill_starts_the_pipeline_state_machine_of_this_stack()
    {
        var substitution = Properties("pothole-spark-backfill")["DefinitionSubstitutions"]![BackfillWorkflow.PipelineArnPlaceholder]!;

        Assert.Equal(MachineId(Default, "pothole-spark-pipeline"), substitution["Ref"]!.GetValue<string>());
    }

    [Fact]
    public void The_backfill_may_start_only_the_pipeline()
    {
        var start = Assert.Single(BackfillStatements(), s => s.Actions.Contains("states:StartExecution"));

        Assert.Equal(["states:StartExecution"], start.Actions);
        Assert.Equal(MachineId(Default, "pothole-spark-pipeline"), Assert.Single(start.Resources)!["Ref"]!.GetValue<string>());
    }

    [Fact]
    public void The_backfill_may_describe_and_stop_only_executions_of_the_pipeline()
    {
        var follow = Assert.Single(BackfillStatements(), s => s.Actions.Contains("states:DescribeExecution"));

        Assert.Equal(["states:DescribeExecution", "states:StopExecution"], follow.Actions.Order());
        Assert.Equal("arn:aws:states:ap-northeast-2:{Ref:AWS::AccountId}:execution:pothole-spark-pipeline:*", Synthesized.Text(Assert.Single(follow.Resources)!));
    }

    [Fact]
    public void The_backfill_may_manage_only_the_rule_Step_Functions_uses_for_sync_runs()
    {
        var events = Assert.Single(BackfillStatements(), s => s.Actions.Any(a => a.StartsWith("events:", StringComparison.Ordinal)));

        Assert.Equal(["events:DescribeRule", "events:PutRule", "events:PutTargets"], events.Actions.Order());
        Assert.Equal("arn:aws:events:ap-northeast-2:{Ref:AWS::AccountId}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule", Synthesized.Text(Assert.Single(events.Resources)!));
    }

    [Fact]
    public void The_backfill_role_allows_nothing_else()
    {
        var actions = BackfillStatements().SelectMany(s => s.Actions).Where(a => !a.StartsWith("logs:", StringComparison.Ordinal)).Distinct().Order();

        Assert.Equal(
            ["events:DescribeRule", "events:PutRule", "events:PutTargets", "lambda:InvokeFunction", "states:DescribeExecution", "states:StartExecution", "states:StopExecution"],
            actions);
    }

    /// <summary>92 dates (PlanBackfill's limit) one after another, each within maxRunMinutes plus 10 minutes, plus 30 for planning.</summary>
    [Fact]
    public void A_backfill_times_out_after_the_longest_range_of_back_to_back_runs()
    {
        var definition = JsonNode.Parse(Properties("pothole-spark-backfill")["DefinitionString"]!.GetValue<string>())!;

        Assert.Equal(((92 * (360 + 10)) + 30) * 60, definition["TimeoutSeconds"]!.GetValue<int>());
    }

    [Fact]
    public void A_backfill_timeout_never_exceeds_what_Step_Functions_allows()
    {
        Assert.Equal(365 * 24 * 3600, BackfillWorkflow.Timeout(int.MaxValue / 10_000).ToSeconds());
        Assert.InRange(BackfillWorkflow.Timeout(1440).ToSeconds(), 1, 365 * 24 * 3600);
    }

    private static IReadOnlyList<Statement> BackfillStatements() =>
        Default.StatementsOfRole(Properties("pothole-spark-backfill")["RoleArn"]!["Fn::GetAtt"]![0]!.GetValue<string>());

    internal static string MachineId(Synthesized s, string name) =>
        s.Resources("AWS::StepFunctions::StateMachine").Single(m => m.Resource["Properties"]!["StateMachineName"]!.GetValue<string>() == name).Id;

    private static JsonNode Properties(string machine) => Default.Resource(MachineId(Default, machine))["Properties"]!;
}
