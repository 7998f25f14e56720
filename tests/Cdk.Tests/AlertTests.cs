using System.Text.Json.Nodes;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

public sealed class AlertTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void Failed_timed_out_and_aborted_pipeline_runs_are_caught()
    {
        var pattern = PipelineRule()["EventPattern"]!;
        var expected = JsonNode.Parse($$"""
            {
              "detail": {
                "status": ["FAILED", "TIMED_OUT", "ABORTED"],
                "stateMachineArn": [{ "Ref": "{{StateMachineTests.MachineId(Default, "pothole-spark-pipeline")}}" }]
              },
              "detail-type": ["Step Functions Execution Status Change"],
              "source": ["aws.states"]
            }
            """);

        Assert.True(JsonNode.DeepEquals(expected, pattern), pattern.ToJsonString());
    }

    [Fact]
    public void A_bad_ending_starts_the_cleanup_with_the_run_id()
    {
        var cleanupId = StateMachineTests.MachineId(Default, "pothole-spark-cleanup");
        var target = Assert.Single(PipelineRule()["Targets"]!.AsArray(), t => t!["Arn"]!["Ref"]?.GetValue<string>() == cleanupId)!;

        Assert.Equal("""{"detail-name":"$.detail.name"}""", target["InputTransformer"]!["InputPathsMap"]!.ToJsonString());
        Assert.Equal("""{"runId":<detail-name>}""", target["InputTransformer"]!["InputTemplate"]!.GetValue<string>());
    }

    [Fact]
    public void A_bad_ending_is_published_to_the_alert_topic()
    {
        var topicId = Assert.Single(Default.Resources("AWS::SNS::Topic")).Id;

        Assert.Contains(PipelineRule()["Targets"]!.AsArray(), t => t!["Arn"]!["Ref"]?.GetValue<string>() == topicId);
    }

    [Fact]
    public void A_failed_cleanup_is_published_to_the_alert_topic()
    {
        var cleanupId = StateMachineTests.MachineId(Default, "pothole-spark-cleanup");
        var topicId = Assert.Single(Default.Resources("AWS::SNS::Topic")).Id;
        var rule = Rules().Single(r => r["EventPattern"]!["detail"]!["stateMachineArn"]![0]!["Ref"]!.GetValue<string>() == cleanupId);

        Assert.Equal(topicId, Assert.Single(rule["Targets"]!.AsArray())!["Arn"]!["Ref"]!.GetValue<string>());
    }

    [Fact]
    public void Failed_timed_out_and_aborted_backfills_are_caught()
    {
        var pattern = BackfillRule()["EventPattern"]!;
        var expected = JsonNode.Parse($$"""
            {
              "detail": {
                "status": ["FAILED", "TIMED_OUT", "ABORTED"],
                "stateMachineArn": [{ "Ref": "{{StateMachineTests.MachineId(Default, "pothole-spark-backfill")}}" }]
              },
              "detail-type": ["Step Functions Execution Status Change"],
              "source": ["aws.states"]
            }
            """);

        Assert.True(JsonNode.DeepEquals(expected, pattern), pattern.ToJsonString());
    }

    /// <summary>A backfill holds no cluster; each pipeline child cleans up (and alerts) on its own.</summary>
    [Fact]
    public void A_bad_backfill_ending_is_only_published_to_the_alert_topic()
    {
        var topicId = Assert.Single(Default.Resources("AWS::SNS::Topic")).Id;
        var target = Assert.Single(BackfillRule()["Targets"]!.AsArray())!;

        Assert.Equal(topicId, target["Arn"]!["Ref"]!.GetValue<string>());
    }

    [Fact]
    public void Every_state_machine_s_bad_endings_reach_the_alert_topic()
    {
        var topicId = Assert.Single(Default.Resources("AWS::SNS::Topic")).Id;
        var alerted = Rules()
            .Where(r => r["Targets"]!.AsArray().Any(t => t!["Arn"]!["Ref"]?.GetValue<string>() == topicId))
            .Select(r => r["EventPattern"]!["detail"]!["stateMachineArn"]![0]!["Ref"]!.GetValue<string>());

        Assert.Equal(Default.Resources("AWS::StepFunctions::StateMachine").Select(m => m.Id).Order(), alerted.Order());
    }

    [Fact]
    public void No_e_mail_subscription_without_an_address()
    {
        Default.Template.ResourceCountIs("AWS::SNS::Subscription", 0);
    }

    [Fact]
    public void A_configured_address_is_subscribed_by_e_mail()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["alertEmail"] = "data-team@example.com");

        synthesized.Template.HasResourceProperties("AWS::SNS::Subscription", new Dictionary<string, object>
        {
            ["Protocol"] = "email",
            ["Endpoint"] = "data-team@example.com",
        });
    }

    private static IEnumerable<JsonNode> Rules() => Default.Resources("AWS::Events::Rule").Select(r => r.Resource["Properties"]!);

    private static JsonNode BackfillRule()
    {
        var backfillId = StateMachineTests.MachineId(Default, "pothole-spark-backfill");
        return Rules().Single(r => r["EventPattern"]!["detail"]!["stateMachineArn"]![0]!["Ref"]!.GetValue<string>() == backfillId);
    }

    private static JsonNode PipelineRule()
    {
        var pipelineId = StateMachineTests.MachineId(Default, "pothole-spark-pipeline");
        return Rules().Single(r => r["EventPattern"]!["detail"]!["stateMachineArn"]![0]!["Ref"]!.GetValue<string>() == pipelineId);
    }
}

public sealed class CleanupAlarmTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void Runs_whose_cleanup_left_nodes_to_the_sweeper_are_counted_from_RecordRun_s_log_and_alarm_the_alert_topic()
    {
        var filter = Assert.Single(Default.Resources("AWS::Logs::MetricFilter")).Resource["Properties"]!;
        Assert.Equal("\"CLEANUP\"", filter["FilterPattern"]!.GetValue<string>());
        var logGroup = Default.Resource(filter["LogGroupName"]!["Ref"]!.GetValue<string>())["Properties"]!;
        Assert.Equal("/aws/lambda/pothole-spark-RecordRun", logGroup["LogGroupName"]!.GetValue<string>());

        var alarm = Assert.Single(Default.Resources("AWS::CloudWatch::Alarm"), a => a.Resource["Properties"]!["AlarmName"]?.GetValue<string>() == "pothole-spark-cleanup-left-to-sweeper").Resource["Properties"]!;
        Assert.Equal(filter["MetricTransformations"]![0]!["MetricName"]!.GetValue<string>(), alarm["MetricName"]!.GetValue<string>());
        Assert.Equal(1, alarm["Threshold"]!.GetValue<double>());
        var topicId = Assert.Single(Default.Resources("AWS::SNS::Topic")).Id;
        Assert.Equal(topicId, Assert.Single(alarm["AlarmActions"]!.AsArray())!["Ref"]!.GetValue<string>());
    }
}
