using System.Text.RegularExpressions;
using Pipeline.Cdk.Tests.Support;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk.Tests;

/// <summary>
/// Facts the Lambda code and this app must agree on. The handler catalog and the lock adapter need
/// the AWS SDK and are not compiled into the CDK app, so their source is read instead.
/// </summary>
public sealed partial class ContractTests
{
    [Fact]
    public void The_app_deploys_a_function_for_exactly_the_handlers_of_the_catalog()
    {
        var source = File.ReadAllText(Repo.File("src", "Functions", "Hosting", "HandlerCatalog.cs"));
        var names = CatalogNames().Match(source).Groups[1].Value;

        Assert.Equal(NameOf().Matches(names).Select(m => m.Groups[1].Value), LambdaHandlers.Names);
    }

    [Fact]
    public void The_lock_table_key_is_the_one_the_lock_adapter_writes()
    {
        var source = File.ReadAllText(Repo.File("src", "Functions", "Adapters", "Aws", "DynamoDbRunLock.cs"));

        Assert.Contains($"KeyAttribute = \"{Orchestration.LockKey}\";", source, StringComparison.Ordinal);
    }

    [Fact]
    public void SendCommand_is_allowed_for_the_document_the_command_runner_sends()
    {
        var source = File.ReadAllText(Repo.File("src", "Functions", "Adapters", "Aws", "SsmCommandRunner.cs"));

        Assert.Contains($"Document = \"{Orchestration.RunShellScript}\";", source, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordRun_may_write_the_folder_RecordRun_writes_to()
    {
        var source = File.ReadAllText(Repo.File("src", "Functions", "Handlers", "RecordRun.cs"));

        Assert.Contains($"RunsPrefix = \"{Settings.BucketPrefixes.RunsFolder}\";", source, StringComparison.Ordinal);
    }

    [Fact]
    public void The_backfill_timeout_assumes_PlanBackfill_s_longest_range()
    {
        var source = File.ReadAllText(Repo.File("src", "Functions", "Handlers", "PlanBackfill.cs"));

        Assert.Contains($"MaxDays = {BackfillWorkflow.MaxDays};", source, StringComparison.Ordinal);
    }

    /// <summary>PlanBackfill may list only the output it inspects; the rule it picks that output by is read from its source.</summary>
    [Fact]
    public void PlanBackfill_judges_a_date_by_the_last_step_with_an_output_prefix()
    {
        var source = File.ReadAllText(Repo.File("src", "Functions", "Handlers", "PlanBackfill.cs"));

        Assert.Contains("settings.Stages.LastOrDefault(s => !string.IsNullOrEmpty(s.OutputPrefix))", source, StringComparison.Ordinal);
    }

    [Fact]
    public void The_backfill_definition_starts_the_pipeline_with_the_placeholder_the_app_fills()
    {
        var text = File.ReadAllText(Path.Combine(Repo.StateMachines, StateMachineFiles.Backfill));

        Assert.Contains($"\"StateMachineArn\": \"${{{BackfillWorkflow.PipelineArnPlaceholder}}}\"", text, StringComparison.Ordinal);
        Assert.Contains("\"Resource\": \"arn:aws:states:::states:startExecution.sync:2\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_event_log_folder_the_nodes_may_write_is_the_shipped_spark_eventLog_dir()
    {
        var settings = Synth.DefaultStack.Settings.Pipeline;

        Assert.Equal("s3a://{bucket}/spark-events/", settings.Submit.Conf["spark.eventLog.dir"]);
        Assert.Equal("spark-events/", new Settings.BucketPrefixes(settings).EventLogFolder);
    }

    [Fact]
    public void Every_function_gets_the_settings_as_the_shared_code_writes_them()
    {
        var synthesized = Synth.DefaultStack;
        var expected = SettingsJson.Write(synthesized.Settings.Pipeline);

        Assert.All(
            synthesized.PipelineFunctions(),
            f => Assert.Equal(expected, f.Resource["Properties"]!["Environment"]!["Variables"]![PipelineFunctions.SettingsVariable]!.GetValue<string>()));
    }

    [Fact]
    public void The_deployed_settings_read_back_as_valid_settings()
    {
        var json = SettingsJson.Write(Synth.DefaultStack.Settings.Pipeline);

        Assert.Empty(SettingsValidator.Validate(SettingsJson.Parse(json)));
    }

    [GeneratedRegex(@"Names\s*=\s*\[(.*?)\];", RegexOptions.Singleline)]
    private static partial Regex CatalogNames();

    [GeneratedRegex(@"nameof\((\w+)\)")]
    private static partial Regex NameOf();
}
