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

    /// <summary>One alert execution per event, so one message per event: no rule publishes raw JSON to the topic.</summary>
    [Fact]
    public void Every_state_machine_s_bad_endings_start_exactly_one_alert_and_no_rule_publishes_to_the_topic()
    {
        var notifierId = StateMachineTests.MachineId(Default, "pothole-spark-alerts");
        var topicId = Assert.Single(Default.Resources("AWS::SNS::Topic")).Id;
        var watched = new[] { "pothole-spark-pipeline", "pothole-spark-cleanup", "pothole-spark-backfill" };

        foreach (var machine in watched)
        {
            var targets = RuleFor(StateMachineTests.MachineId(Default, machine))["Targets"]!.AsArray();
            Assert.Single(targets, t => t!["Arn"]!["Ref"]?.GetValue<string>() == notifierId);
            Assert.DoesNotContain(targets, t => t!["Arn"]!["Ref"]?.GetValue<string>() == topicId);
        }

        Assert.DoesNotContain(Rules(), r => r["EventPattern"]!["detail"]!["stateMachineArn"]![0]!["Ref"]!.GetValue<string>() == notifierId);
    }

    /// <summary>The formatter needs detail (name, status, error, cause, input) and region: the event as it came, untransformed.</summary>
    [Fact]
    public void The_alert_machine_gets_the_whole_event()
    {
        var notifierId = StateMachineTests.MachineId(Default, "pothole-spark-alerts");
        var target = Assert.Single(PipelineRule()["Targets"]!.AsArray(), t => t!["Arn"]!["Ref"]?.GetValue<string>() == notifierId)!;

        Assert.Null(target["Input"]);
        Assert.Null(target["InputPath"]);
        Assert.Null(target["InputTransformer"]);
    }

    /// <summary>A backfill holds no cluster; each pipeline child cleans up (and alerts) on its own.</summary>
    [Fact]
    public void A_bad_backfill_ending_is_only_alerted()
    {
        var notifierId = StateMachineTests.MachineId(Default, "pothole-spark-alerts");

        Assert.Equal(notifierId, Assert.Single(BackfillRule()["Targets"]!.AsArray())!["Arn"]!["Ref"]!.GetValue<string>());
    }

    [Fact]
    public void The_alert_machine_reads_only_the_watched_machines_executions_and_publishes_only_to_the_alert_topic()
    {
        var roleId = Default.Resource(StateMachineTests.MachineId(Default, "pothole-spark-alerts"))["Properties"]!["RoleArn"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var statements = Default.StatementsOfRole(roleId);
        var topicId = Assert.Single(Default.Resources("AWS::SNS::Topic")).Id;

        var history = Assert.Single(statements, s => s.Actions.Contains("states:GetExecutionHistory"));
        Assert.Equal(["states:GetExecutionHistory"], history.Actions);
        Assert.Equal(
            ["pothole-spark-pipeline:*", "pothole-spark-cleanup:*", "pothole-spark-backfill:*"],
            history.Resources.Select(r => Synthesized.Text(r!)).Select(t => t[(t.IndexOf(":execution:", StringComparison.Ordinal) + ":execution:".Length)..]));
        var publish = Assert.Single(statements, s => s.Actions.Contains("sns:Publish"));
        Assert.Equal(["sns:Publish"], publish.Actions);
        Assert.Equal(topicId, Assert.Single(publish.Resources)!["Ref"]!.GetValue<string>());
    }

    /// <summary>Confused deputy: every service principal the topic admits is held to this account and this stack's alarms.</summary>
    [Fact]
    public void The_topic_admits_services_only_for_this_account_s_own_alarms()
    {
        var policy = Assert.Single(Default.Resources("AWS::SNS::TopicPolicy")).Resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray();
        var allows = policy.Where(st => st!["Effect"]!.GetValue<string>() == "Allow").ToList();

        var only = Assert.Single(allows)!;
        Assert.Equal("cloudwatch.amazonaws.com", only["Principal"]!["Service"]!.GetValue<string>());
        Assert.Equal("sns:Publish", only["Action"]!.GetValue<string>());
        Assert.Equal("{Ref:AWS::AccountId}", Synthesized.Text(only["Condition"]!["StringEquals"]!["aws:SourceAccount"]!));
        Assert.EndsWith(":alarm:pothole-spark-*", Synthesized.Text(only["Condition"]!["ArnLike"]!["aws:SourceArn"]!), StringComparison.Ordinal);
        Assert.DoesNotContain("events.amazonaws.com", policy.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alarm_is_named_after_the_cluster_so_the_topic_policy_admits_it_and_notifies_the_topic()
    {
        var topicId = Assert.Single(Default.Resources("AWS::SNS::Topic")).Id;
        var alarms = Default.Resources("AWS::CloudWatch::Alarm").Select(a => a.Resource["Properties"]!).ToList();

        Assert.NotEmpty(alarms);
        Assert.All(alarms, a => Assert.StartsWith("pothole-spark-", a["AlarmName"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.All(alarms, a => Assert.Equal(topicId, Assert.Single(a["AlarmActions"]!.AsArray())!["Ref"]!.GetValue<string>()));
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

    private static JsonNode RuleFor(string machineId) =>
        Rules().Single(r => r["EventPattern"]!["detail"]!["stateMachineArn"]![0]!["Ref"]!.GetValue<string>() == machineId);

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
