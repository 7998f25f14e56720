using System.Text.Json.Nodes;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

/// <summary>No failure path vanishes silently: Sweep and function errors alarm, undelivered events are kept and alarmed.</summary>
public sealed class FailurePathTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void A_failing_sweep_alarms_at_each_sweep_interval()
    {
        var sweepId = FunctionId("Sweep");
        var alarm = Assert.Single(Alarms(), a => Dimension(a, "FunctionName") == sweepId && a["MetricName"]?.GetValue<string>() == "Errors")!;
        var minutes = Default.Settings.Deployment.SweepMinutes;

        Assert.Equal("AWS/Lambda", alarm["Namespace"]!.GetValue<string>());
        Assert.Equal(minutes * 60, alarm["Period"]!.GetValue<int>());
        Assert.Equal(1, alarm["Threshold"]!.GetValue<int>());
        Assert.Equal("GreaterThanOrEqualToThreshold", alarm["ComparisonOperator"]!.GetValue<string>());
        Assert.Equal("notBreaching", alarm["TreatMissingData"]!.GetValue<string>());
    }

    [Fact]
    public void Every_function_s_errors_alarm()
    {
        var alarmed = Alarms().Where(a => a["MetricName"]?.GetValue<string>() == "Errors").Select(a => Dimension(a, "FunctionName")).Order(StringComparer.Ordinal);

        Assert.Equal(Default.PipelineFunctions().Select(f => f.Id).Order(StringComparer.Ordinal), alarmed);
    }

    [Fact]
    public void A_failed_alert_execution_alarms()
    {
        var notifierId = StateMachineTests.MachineId(Default, "pothole-spark-alerts");

        Assert.Single(Alarms(), a => a["MetricName"]?.GetValue<string>() == "ExecutionsFailed" && Dimension(a, "StateMachineArn") == notifierId);
    }

    [Fact]
    public void The_dead_letter_queue_is_encrypted_tls_only_and_keeps_messages_14_days()
    {
        var (id, queue) = Assert.Single(Default.Resources("AWS::SQS::Queue"));
        var props = queue["Properties"]!;

        Assert.True(props["SqsManagedSseEnabled"]!.GetValue<bool>());
        Assert.Equal(14 * 24 * 3600, props["MessageRetentionPeriod"]!.GetValue<int>());
        var policy = Assert.Single(Default.Resources("AWS::SQS::QueuePolicy"), p => p.Resource["Properties"]!["Queues"]![0]!["Ref"]!.GetValue<string>() == id).Resource;
        Assert.Contains(policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray(), s =>
            s!["Effect"]!.GetValue<string>() == "Deny" && s["Condition"]?["Bool"]?["aws:SecureTransport"]?.GetValue<string>() == "false");
    }

    [Fact]
    public void Undelivered_events_alarm_as_soon_as_one_is_waiting()
    {
        var queueId = Assert.Single(Default.Resources("AWS::SQS::Queue")).Id;
        var alarm = Assert.Single(Alarms(), a => a["MetricName"]?.GetValue<string>() == "ApproximateNumberOfMessagesVisible")!;

        Assert.Equal("{GetAtt:" + queueId + ".QueueName}", Synthesized.Text(alarm["Dimensions"]![0]!["Value"]!));
        Assert.Equal(1, alarm["Threshold"]!.GetValue<int>());
        Assert.Equal("GreaterThanOrEqualToThreshold", alarm["ComparisonOperator"]!.GetValue<string>());
    }

    [Fact]
    public void Every_schedule_and_every_rule_target_has_the_dead_letter_queue()
    {
        var queueArn = "{GetAtt:" + Assert.Single(Default.Resources("AWS::SQS::Queue")).Id + ".Arn}";
        var schedules = Default.Resources("AWS::Scheduler::Schedule").Select(s => s.Resource["Properties"]!["Target"]!).ToList();
        var targets = Default.Resources("AWS::Events::Rule").SelectMany(r => r.Resource["Properties"]!["Targets"]!.AsArray()).ToList();

        Assert.Equal(2, schedules.Count);
        Assert.All(schedules, t => Assert.Equal(queueArn, Synthesized.Text(t["DeadLetterConfig"]!["Arn"]!)));
        Assert.NotEmpty(targets);
        Assert.All(targets, t => Assert.Equal(queueArn, Synthesized.Text(t!["DeadLetterConfig"]!["Arn"]!)));
    }

    /// <summary>The scheduler sends dead letters with the schedule's role: that role may send to this queue and nothing else.</summary>
    [Theory]
    [InlineData("pothole-spark-daily")]
    [InlineData("pothole-spark-sweep")]
    public void A_schedule_role_may_send_only_to_the_dead_letter_queue(string schedule)
    {
        var queueId = Assert.Single(Default.Resources("AWS::SQS::Queue")).Id;
        var sends = Default.StatementsOfRole(ScheduleTests.RoleId(Default, schedule)).Where(s => s.Actions.Any(a => a.StartsWith("sqs:", StringComparison.Ordinal))).ToList();

        var only = Assert.Single(sends);
        Assert.Equal(["sqs:SendMessage"], only.Actions);
        Assert.Equal("{GetAtt:" + queueId + ".Arn}", Synthesized.Text(Assert.Single(only.Resources)!));
    }

    /// <summary>EventBridge sends a rule's dead letters as its service principal: only for this stack's rules.</summary>
    [Fact]
    public void The_queue_admits_eventbridge_only_for_this_stack_s_rules()
    {
        var ruleIds = Default.Resources("AWS::Events::Rule").Select(r => r.Id).ToHashSet();
        var allows = Default.Resources("AWS::SQS::QueuePolicy")
            .SelectMany(p => p.Resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            .Where(s => s!["Effect"]!.GetValue<string>() == "Allow")
            .ToList();

        Assert.NotEmpty(allows);
        Assert.All(allows, s =>
        {
            Assert.Equal("events.amazonaws.com", s!["Principal"]!["Service"]!.GetValue<string>());
            var source = Synthesized.Text(s["Condition"]!["ArnEquals"]!["aws:SourceArn"]!);
            Assert.Contains(ruleIds, id => source == "{GetAtt:" + id + ".Arn}");
        });
    }

    private static IEnumerable<JsonNode> Alarms() => Default.Resources("AWS::CloudWatch::Alarm").Select(a => a.Resource["Properties"]!);

    private static string FunctionId(string handler) =>
        Default.PipelineFunctions().Single(f => f.Resource["Properties"]!["Handler"]!.GetValue<string>() == handler).Id;

    private static string? Dimension(JsonNode alarm, string name)
    {
        var value = alarm["Dimensions"]?.AsArray().FirstOrDefault(d => d!["Name"]!.GetValue<string>() == name)?["Value"];
        return value?["Ref"]?.GetValue<string>();
    }
}
