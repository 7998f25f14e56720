using System.Text.Json.Nodes;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

public sealed class IamTests
{
    /// <summary>Actions with no resource-level permissions: the only ones allowed on Resource "*".</summary>
    private static readonly HashSet<string> UnscopableActions =
    [
        "ec2:DescribeInstances", "ssm:DescribeInstanceInformation", "ssm:GetCommandInvocation",
        // Step Functions' CloudWatch Logs delivery, as CDK writes it for state machine logging.
        "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    ];

    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void No_role_has_a_FullAccess_managed_policy()
    {
        Assert.DoesNotContain("FullAccess", Default.Json["Resources"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_only_managed_policy_is_SSM_core_on_the_node_role()
    {
        var managed = Default.Resources("AWS::IAM::Role")
            .SelectMany(r => (r.Resource["Properties"]!["ManagedPolicyArns"]?.AsArray() ?? []).Select(a => (r.Id, Arn: a!.ToJsonString())))
            .ToList();

        var only = Assert.Single(managed);
        Assert.Equal(ClusterTests.NodeRoleId(Default), only.Id);
        Assert.Contains(":iam::aws:policy/AmazonSSMManagedInstanceCore", only.Arn, StringComparison.Ordinal);
    }

    [Fact]
    public void No_statement_uses_a_wildcard_action()
    {
        Assert.All(Default.Statements(), s => Assert.DoesNotContain(s.Actions, a => a.Contains('*', StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_allow_in_any_policy_of_the_stack_names_explicit_actions()
    {
        var allows = PolicyDocuments().SelectMany(d => d.Statements).Where(s => s["Effect"]!.GetValue<string>() == "Allow").ToList();

        Assert.NotEmpty(allows);
        Assert.All(allows, s => Assert.All(Iam.List(s["Action"]), a =>
        {
            Assert.DoesNotContain("*", a, StringComparison.Ordinal);
            Assert.Matches("^[a-z0-9-]+:[A-Za-z0-9]+$", a);
        }));
        Assert.All(allows, s => Assert.Null(s["NotAction"]));
    }

    [Fact]
    public void Wildcard_actions_appear_only_in_the_deny_of_plain_HTTP()
    {
        var wild = PolicyDocuments().SelectMany(d => d.Statements).Where(s => Iam.List(s["Action"]).Any(a => a.Contains('*', StringComparison.Ordinal)));

        Assert.All(wild, s =>
        {
            Assert.Equal("Deny", s["Effect"]!.GetValue<string>());
            Assert.Equal("""{"Bool":{"aws:SecureTransport":"false"}}""", s["Condition"]!.ToJsonString());
        });
    }

    [Fact]
    public void Resource_star_only_carries_actions_without_resource_level_permissions()
    {
        Assert.All(Default.Statements().Where(s => s.OnAnyResource), s => Assert.Subset(UnscopableActions, s.Actions.ToHashSet()));
    }

    [Theory]
    [InlineData("ResolveRun", "")]
    [InlineData("CheckInput", "s3:ListBucket")]
    [InlineData("VerifyOutput", "s3:ListBucket")]
    [InlineData("AcquireLock", "dynamodb:GetItem dynamodb:PutItem")]
    [InlineData("ReleaseLock", "dynamodb:DeleteItem dynamodb:GetItem")]
    [InlineData("StartCluster", "ec2:DescribeInstances ec2:StartInstances")]
    [InlineData("ClusterStatus", "ec2:DescribeInstances ec2:StartInstances ssm:DescribeInstanceInformation")]
    [InlineData("StartSpark", "ec2:DescribeInstances ssm:SendCommand")]
    [InlineData("SubmitStage", "ec2:DescribeInstances ssm:SendCommand")]
    [InlineData("StopSpark", "ec2:DescribeInstances ssm:DescribeInstanceInformation ssm:SendCommand")]
    [InlineData("CommandStatus", "ssm:GetCommandInvocation")]
    [InlineData("StopCluster", "ec2:DescribeInstances ec2:StopInstances")]
    public void Each_function_may_call_only_what_its_handler_calls(string handler, string actions)
    {
        var granted = HandlerStatements(handler).Where(s => s.Sid != "OwnLogs").SelectMany(s => s.Actions).Distinct().Order();

        Assert.Equal(actions.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(), granted);
    }

    [Fact]
    public void Each_function_may_write_only_its_own_log_group()
    {
        Assert.All(LambdaHandlers.Names, handler =>
        {
            var logs = Assert.Single(HandlerStatements(handler), s => s.Sid == "OwnLogs");
            var groupId = Assert.Single(logs.Resources)!["Fn::GetAtt"]![0]!.GetValue<string>();
            Assert.Equal($"/aws/lambda/pothole-spark-{handler}", Default.Resource(groupId)["Properties"]!["LogGroupName"]!.GetValue<string>());
        });
    }

    [Theory]
    [InlineData("StartCluster", "ec2:StartInstances")]
    [InlineData("ClusterStatus", "ec2:StartInstances")]
    [InlineData("StopCluster", "ec2:StopInstances")]
    [InlineData("StartSpark", "ssm:SendCommand")]
    [InlineData("SubmitStage", "ssm:SendCommand")]
    [InlineData("StopSpark", "ssm:SendCommand")]
    public void Node_actions_name_exactly_the_cluster_instances(string handler, string action)
    {
        var instanceIds = Default.Resources("AWS::EC2::Instance").Select(i => i.Id).Order();
        var statement = Assert.Single(HandlerStatements(handler), s => s.Actions.Contains(action) && s.ResourceTexts.Any(r => r.Contains(":instance/", StringComparison.Ordinal)));

        Assert.Equal(instanceIds, statement.Resources.Select(r => r!["Fn::Join"]![1]!.AsArray().Last()!["Ref"]!.GetValue<string>()).Order());
    }

    [Theory]
    [InlineData("StartCluster", "ec2:StartInstances")]
    [InlineData("ClusterStatus", "ec2:StartInstances")]
    [InlineData("StopCluster", "ec2:StopInstances")]
    [InlineData("StartSpark", "ssm:SendCommand")]
    [InlineData("SubmitStage", "ssm:SendCommand")]
    [InlineData("StopSpark", "ssm:SendCommand")]
    public void Node_actions_also_require_the_cluster_tag(string handler, string action)
    {
        var statement = Assert.Single(HandlerStatements(handler), s => s.Actions.Contains(action) && s.ResourceTexts.Any(r => r.Contains(":instance/", StringComparison.Ordinal)));

        Assert.Equal("""{"StringEquals":{"aws:ResourceTag/SparkCluster":"pothole-spark"}}""", statement.Condition!.ToJsonString());
    }

    [Theory]
    [InlineData("StartSpark")]
    [InlineData("SubmitStage")]
    [InlineData("StopSpark")]
    public void SendCommand_allows_only_the_RunShellScript_document(string handler)
    {
        var documents = HandlerStatements(handler)
            .Where(s => s.Actions.Contains("ssm:SendCommand"))
            .SelectMany(s => s.ResourceTexts)
            .Where(r => !r.Contains(":instance/", StringComparison.Ordinal));

        Assert.Equal(["\"arn:aws:ssm:ap-northeast-2::document/AWS-RunShellScript\""], documents);
    }

    [Fact]
    public void No_statement_anywhere_starts_stops_or_commands_anything_but_the_cluster_nodes()
    {
        string[] nodeActions = ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances", "ec2:TerminateInstances", "ssm:SendCommand", "ssm:StartSession"];
        var instanceIds = Default.Resources("AWS::EC2::Instance").Select(i => i.Id).ToHashSet();
        var statements = Default.Statements().Where(s => s.Actions.Intersect(nodeActions).Any()).ToList();

        Assert.NotEmpty(statements);
        Assert.All(statements, s =>
        {
            Assert.False(s.OnAnyResource, $"{s.Sid} allows {string.Join(", ", s.Actions)} on *");
            Assert.DoesNotContain(s.Actions, a => a is "ec2:TerminateInstances" or "ec2:RebootInstances" or "ssm:StartSession");
            foreach (var resource in s.ResourceTexts)
            {
                if (resource.Contains(":instance/", StringComparison.Ordinal))
                {
                    Assert.Contains(JsonNode.Parse(resource)!["Fn::Join"]![1]!.AsArray().Last()!["Ref"]!.GetValue<string>(), instanceIds);
                    Assert.Equal("""{"StringEquals":{"aws:ResourceTag/SparkCluster":"pothole-spark"}}""", s.Condition!.ToJsonString());
                }
                else
                {
                    Assert.Equal(["ssm:SendCommand"], s.Actions);
                    Assert.Equal("\"arn:aws:ssm:ap-northeast-2::document/AWS-RunShellScript\"", resource);
                }
            }
        });
    }

    [Fact]
    public void Nodes_cannot_delete_or_overwrite_input()
    {
        var writes = NodeStatements().Where(s => s.Actions.Any(a => a is "s3:PutObject" or "s3:DeleteObject" or "s3:DeleteObjectVersion" or "s3:AbortMultipartUpload"));

        Assert.All(writes, s => Assert.DoesNotContain(ObjectSuffixes(s), r => r.StartsWith("/raw-sensor-data/", StringComparison.Ordinal) || r == "/*" || r == "/code/*"));
    }

    [Fact]
    public void No_pipeline_function_may_write_or_delete_objects()
    {
        Assert.All(LambdaHandlers.Names, handler =>
            Assert.DoesNotContain(HandlerStatements(handler), s => s.Actions.Any(a => a.StartsWith("s3:", StringComparison.Ordinal) && a != "s3:ListBucket")));
    }

    [Fact]
    public void Only_the_nodes_write_stage_outputs_and_only_the_code_deployment_writes_code()
    {
        var nodeRole = ClusterTests.NodeRoleId(Default);
        var codeRole = Default.Resources("AWS::IAM::Role").Single(r => r.Resource["Properties"]!["Description"]?.GetValue<string>().Contains("deploy the stage code", StringComparison.Ordinal) == true).Id;
        var writers = Default.Statements().Where(s => s.Actions.Any(a => a.StartsWith("s3:Put", StringComparison.Ordinal) || a.StartsWith("s3:Delete", StringComparison.Ordinal))).ToList();

        Assert.Equal(new[] { codeRole, nodeRole }.Order(StringComparer.Ordinal), writers.Select(s => s.RoleId).Distinct().Order(StringComparer.Ordinal));
        Assert.All(writers.Where(s => s.RoleId == nodeRole), s => Assert.Equal(["/stage1_anomaly_detected/*", "/stage2_spatial_clustering/*"], ObjectSuffixes(s)));
        Assert.All(writers.Where(s => s.RoleId == codeRole), s => Assert.Equal(["/code/*"], ObjectSuffixes(s)));
    }

    [Fact]
    public void CheckInput_may_list_only_the_input_prefix()
    {
        var statement = Assert.Single(HandlerStatements("CheckInput"), s => s.Actions.Contains("s3:ListBucket"));

        Assert.Equal("""{"StringLike":{"s3:prefix":["raw-sensor-data/dt=*/*"]}}""", statement.Condition!.ToJsonString());
    }

    [Fact]
    public void VerifyOutput_may_list_only_the_stage_output_prefixes()
    {
        var statement = Assert.Single(HandlerStatements("VerifyOutput"), s => s.Actions.Contains("s3:ListBucket"));

        Assert.Equal("""{"StringLike":{"s3:prefix":["stage1_anomaly_detected/dt=*/*","stage2_spatial_clustering/dt=*/*"]}}""", statement.Condition!.ToJsonString());
    }

    [Fact]
    public void The_lock_functions_touch_only_the_lock_table()
    {
        var tableId = Assert.Single(Default.Resources("AWS::DynamoDB::Table")).Id;

        Assert.All(
            HandlerStatements("AcquireLock").Concat(HandlerStatements("ReleaseLock")).Where(s => s.Sid != "OwnLogs"),
            s => Assert.Equal(tableId, Assert.Single(s.Resources)!["Fn::GetAtt"]![0]!.GetValue<string>()));
    }

    [Fact]
    public void Nodes_read_only_the_code_input_and_stage_output_folders()
    {
        var read = Assert.Single(NodeStatements(), s => s.Actions.Contains("s3:GetObject"));

        Assert.Equal(["/code/*", "/raw-sensor-data/*", "/stage1_anomaly_detected/*", "/stage2_spatial_clustering/*"], ObjectSuffixes(read));
    }

    [Fact]
    public void Nodes_write_only_the_stage_output_folders()
    {
        var write = Assert.Single(NodeStatements(), s => s.Actions.Contains("s3:PutObject"));

        Assert.Equal(["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"], write.Actions.Order());
        Assert.Equal(["/stage1_anomaly_detected/*", "/stage2_spatial_clustering/*"], ObjectSuffixes(write));
    }

    [Fact]
    public void Nodes_may_write_command_output_only_to_the_command_log_group()
    {
        var logs = Assert.Single(NodeStatements(), s => s.Actions.Contains("logs:PutLogEvents"));
        var groupId = Assert.Single(logs.Resources)!["Fn::GetAtt"]![0]!.GetValue<string>();

        Assert.Equal("/pothole-spark/commands", Default.Resource(groupId)["Properties"]!["LogGroupName"]!.GetValue<string>());
    }

    [Fact]
    public void The_schedule_may_only_start_the_pipeline()
    {
        var pipelineId = StateMachineTests.MachineId(Default, "pothole-spark-pipeline");
        var statement = Assert.Single(Default.StatementsOfRole(ScheduleRoleId()));

        Assert.Equal(["states:StartExecution"], statement.Actions);
        Assert.Equal(pipelineId, Assert.Single(statement.Resources)!["Ref"]!.GetValue<string>());
    }

    [Fact]
    public void Only_this_account_s_schedules_may_assume_the_schedule_role()
    {
        var trust = Default.Resource(ScheduleRoleId())["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]![0]!;

        Assert.Equal("""{"StringEquals":{"aws:SourceAccount":{"Ref":"AWS::AccountId"}}}""", trust["Condition"]!.ToJsonString());
    }

    /// <summary>Every policy document of the stack: identity policies, inline role policies, bucket, topic and secret policies.</summary>
    private static IEnumerable<(string Id, IReadOnlyList<JsonObject> Statements)> PolicyDocuments()
    {
        foreach (var (id, resource) in Default.Json["Resources"]!.AsObject().Select(r => (r.Key, r.Value!.AsObject())))
        {
            var properties = resource["Properties"];
            var documents = resource["Type"]!.GetValue<string>() switch
            {
                "AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy" or "AWS::S3::BucketPolicy" or "AWS::SNS::TopicPolicy" => [properties!["PolicyDocument"]],
                "AWS::SecretsManager::ResourcePolicy" => [properties!["ResourcePolicy"]],
                "AWS::IAM::Role" => (properties!["Policies"]?.AsArray() ?? []).Select(p => p!["PolicyDocument"]).ToList(),
                _ => [],
            };
            foreach (var document in documents)
            {
                yield return (id, document!["Statement"]!.AsArray().Select(s => s!.AsObject()).ToList());
            }
        }
    }

    internal static IReadOnlyList<Statement> HandlerStatements(string handler) =>
        Default.StatementsOfRole(Default.FunctionRoleId($"pothole-spark-{handler}"));

    private static IReadOnlyList<Statement> NodeStatements() => Default.StatementsOfRole(ClusterTests.NodeRoleId(Default));

    private static string ScheduleRoleId() =>
        Default.Resources("AWS::IAM::Role").Single(r => r.Resource["Properties"]!["AssumeRolePolicyDocument"]!.ToJsonString().Contains("scheduler.amazonaws.com", StringComparison.Ordinal)).Id;

    private static IEnumerable<string> ObjectSuffixes(Statement statement) =>
        statement.Resources.Select(r => r!["Fn::Join"]![1]![1]!.GetValue<string>());
}
