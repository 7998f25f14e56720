using System.Text.Json.Nodes;
using Pipeline.Cdk.Tests.Support;
using Pipeline.Functions.Domain;

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
    [InlineData("AcquireLock", "dynamodb:GetItem dynamodb:UpdateItem")]
    [InlineData("ConfirmLock", "dynamodb:GetItem dynamodb:UpdateItem")]
    [InlineData("AbandonLock", "dynamodb:GetItem dynamodb:UpdateItem ec2:DescribeInstances")]
    [InlineData("ReleaseLock", "dynamodb:GetItem dynamodb:UpdateItem")]
    [InlineData("StartCluster", "dynamodb:GetItem dynamodb:UpdateItem ec2:DescribeInstances ec2:StartInstances")]
    [InlineData("ClusterStatus", "dynamodb:GetItem dynamodb:UpdateItem ec2:DescribeInstances ec2:StartInstances ssm:DescribeInstanceInformation")]
    [InlineData("StartSpark", "dynamodb:GetItem dynamodb:UpdateItem ec2:DescribeInstances ssm:SendCommand")]
    [InlineData("SubmitStage", "dynamodb:GetItem dynamodb:UpdateItem ec2:DescribeInstances ssm:SendCommand")]
    [InlineData("StopSpark", "dynamodb:GetItem dynamodb:UpdateItem ec2:DescribeInstances ssm:DescribeInstanceInformation ssm:SendCommand")]
    [InlineData("CommandStatus", "dynamodb:GetItem dynamodb:UpdateItem ssm:GetCommandInvocation")]
    [InlineData("StopCluster", "dynamodb:GetItem dynamodb:UpdateItem ec2:DescribeInstances ec2:StopInstances")]
    [InlineData("Sweep", "dynamodb:GetItem dynamodb:UpdateItem ec2:DescribeInstances ec2:StopInstances")]
    [InlineData("RecordRun", "s3:ListBucket s3:PutObject")]
    [InlineData("PlanBackfill", "s3:GetObject s3:ListBucket")]
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
    [InlineData("Sweep", "ec2:StopInstances")]
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
    [InlineData("Sweep", "ec2:StopInstances")]
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

    /// <summary>Was "no pipeline function may write or delete objects"; since run records (issue 7) one function writes, and only there.</summary>
    [Fact]
    public void No_function_writes_or_deletes_input_code_or_stage_outputs()
    {
        Assert.All(LambdaHandlers.Names, handler =>
        {
            var writes = HandlerStatements(handler).Where(s => s.Actions.Any(IsObjectWrite)).ToList();
            Assert.All(writes, s => Assert.Equal(["/runs/*"], ObjectSuffixes(s)));
            Assert.DoesNotContain(HandlerStatements(handler), s => s.Actions.Any(a => a.StartsWith("s3:Delete", StringComparison.Ordinal)));
        });
    }

    [Fact]
    public void Only_RecordRun_writes_objects_and_only_new_run_records_under_runs()
    {
        var writers = LambdaHandlers.Names.Where(h => HandlerStatements(h).Any(s => s.Actions.Any(IsObjectWrite))).ToList();
        var write = Assert.Single(HandlerStatements("RecordRun"), s => s.Actions.Any(IsObjectWrite));

        Assert.Equal(["RecordRun"], writers);
        Assert.Equal(["s3:PutObject"], write.Actions);
        Assert.Equal(["/runs/*"], ObjectSuffixes(write));
        Assert.Null(write.Condition);
    }

    [Fact]
    public void Only_the_nodes_write_stage_outputs_and_event_logs_only_the_code_deployment_writes_code_and_only_RecordRun_writes_run_records()
    {
        var nodeRole = ClusterTests.NodeRoleId(Default);
        var codeRole = Default.Resources("AWS::IAM::Role").Single(r => r.Resource["Properties"]!["Description"]?.GetValue<string>().Contains("deploy the stage code", StringComparison.Ordinal) == true).Id;
        var recordRole = Default.FunctionRoleId("pothole-spark-RecordRun");
        var writers = Default.Statements().Where(s => s.Actions.Any(a => a.StartsWith("s3:Put", StringComparison.Ordinal) || a.StartsWith("s3:Delete", StringComparison.Ordinal))).ToList();

        Assert.Equal(new[] { codeRole, nodeRole, recordRole }.Order(StringComparer.Ordinal), writers.Select(s => s.RoleId).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(
            ["/spark-events/*", "/stage1_anomaly_detected/*", "/stage2_spatial_clustering/*"],
            writers.Where(s => s.RoleId == nodeRole).SelectMany(ObjectSuffixes).Distinct().Order(StringComparer.Ordinal));
        Assert.All(writers.Where(s => s.RoleId == codeRole), s => Assert.Equal(["/code/*"], ObjectSuffixes(s)));
        Assert.All(writers.Where(s => s.RoleId == recordRole), s => Assert.Equal(["/runs/*"], ObjectSuffixes(s)));
    }

    /// <summary>
    /// Each function that lists the bucket may list only the prefixes it reads: CheckInput the input,
    /// VerifyOutput and RecordRun the stage outputs, PlanBackfill the last stage output and the run records.
    /// </summary>
    [Theory]
    [InlineData("CheckInput", """{"StringLike":{"s3:prefix":["raw-sensor-data/dt=*/*"]}}""")]
    [InlineData("VerifyOutput", """{"StringLike":{"s3:prefix":["stage1_anomaly_detected/dt=*/*","stage2_spatial_clustering/dt=*/*"]}}""")]
    [InlineData("RecordRun", """{"StringLike":{"s3:prefix":["stage1_anomaly_detected/dt=*/*","stage2_spatial_clustering/dt=*/*"]}}""")]
    [InlineData("PlanBackfill", """{"StringLike":{"s3:prefix":["stage2_spatial_clustering/dt=*/*","runs/*"]}}""")]
    public void A_function_may_list_only_the_prefixes_it_reads(string handler, string condition)
    {
        var statement = Assert.Single(HandlerStatements(handler), s => s.Actions.Contains("s3:ListBucket"));

        Assert.Equal(condition, statement.Condition!.ToJsonString());
    }

    [Fact]
    public void PlanBackfill_may_read_only_the_run_records()
    {
        var read = Assert.Single(HandlerStatements("PlanBackfill"), s => s.Actions.Contains("s3:GetObject"));

        Assert.Equal(["s3:GetObject"], read.Actions);
        Assert.Equal(["/runs/*"], ObjectSuffixes(read));
    }

    [Fact]
    public void No_function_reads_objects_but_PlanBackfill_and_only_run_records()
    {
        var readers = LambdaHandlers.Names.Where(h => HandlerStatements(h).Any(s => s.Actions.Contains("s3:GetObject"))).ToList();

        Assert.Equal(["PlanBackfill"], readers);
    }

    [Fact]
    public void The_lock_functions_touch_only_the_lock_table()
    {
        var tableId = Assert.Single(Default.Resources("AWS::DynamoDB::Table")).Id;

        Assert.All(
            HandlerStatements("AcquireLock").Concat(HandlerStatements("ReleaseLock")).Where(s => s.Sid != "OwnLogs"),
            s => Assert.Equal(tableId, Assert.Single(s.Resources)!["Fn::GetAtt"]![0]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("Sweep")]
    [InlineData("AcquireLock")]
    [InlineData("StopCluster")]
    [InlineData("CommandStatus")]
    public void The_lock_is_read_and_changed_only_through_conditional_updates_of_the_lock_table(string handler)
    {
        var tableId = Assert.Single(Default.Resources("AWS::DynamoDB::Table")).Id;
        var statement = Assert.Single(HandlerStatements(handler), s => s.Actions.Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)));

        Assert.Equal(["dynamodb:GetItem", "dynamodb:UpdateItem"], statement.Actions.Order());
        Assert.Equal(tableId, Assert.Single(statement.Resources)!["Fn::GetAtt"]![0]!.GetValue<string>());
    }

    [Fact]
    public void Without_a_command_step_SendCommand_reaches_no_instance_beyond_the_stack_s_nodes()
    {
        Assert.DoesNotContain(Default.Statements(), s => s.Actions.Contains("ssm:SendCommand") && s.ResourceTexts.Any(r => r.Contains(":instance/*", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_exact_instance_statement_would_refuse_a_serving_host_so_a_command_step_on_one_gets_a_tag_scoped_grant()
    {
        var synthesized = Synth.Stack(WithServingCommandStep);
        var submit = synthesized.StatementsOfRole(synthesized.FunctionRoleId("pothole-spark-SubmitStage"));
        var exact = Assert.Single(submit, s => s.Sid == "CommandNodes");
        var instanceIds = synthesized.Resources("AWS::EC2::Instance").Select(i => i.Id).ToHashSet();

        // The stack's own nodes only: a serving host's ARN is none of these.
        Assert.All(exact.Resources, r => Assert.Contains(r!["Fn::Join"]![1]!.AsArray().Last()!["Ref"]!.GetValue<string>(), instanceIds));
        var hosts = Assert.Single(submit, s => s.Sid == "CommandStepHosts");
        Assert.Equal(["ssm:SendCommand"], hosts.Actions);
        Assert.Equal("""{"Fn::Join":["",["arn:aws:ec2:ap-northeast-2:",{"Ref":"AWS::AccountId"},":instance/*"]]}""", Assert.Single(hosts.ResourceTexts));
        Assert.Equal("""{"StringEquals":{"ssm:resourceTag/SparkCluster":"pothole-spark","ssm:resourceTag/SparkRole":["serving"]}}""", hosts.Condition!.ToJsonString());
    }

    [Fact]
    public void Only_SubmitStage_gets_the_tag_scoped_command_grant()
    {
        var synthesized = Synth.Stack(WithServingCommandStep);
        var holders = synthesized.Statements().Where(s => s.Actions.Contains("ssm:SendCommand") && s.ResourceTexts.Any(r => r.Contains(":instance/*", StringComparison.Ordinal))).Select(s => s.RoleId).Distinct();

        Assert.Equal([synthesized.FunctionRoleId("pothole-spark-SubmitStage")], holders);
    }

    [Fact]
    public void A_command_step_on_the_master_needs_no_wider_grant()
    {
        var synthesized = Synth.Stack(c =>
        {
            WithServingCommandStep(c);
            c.Pipeline()["stages"]![2]!["targetRole"] = "master";
        });

        Assert.DoesNotContain(synthesized.Statements(), s => s.Actions.Contains("ssm:SendCommand") && s.ResourceTexts.Any(r => r.Contains(":instance/*", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_step_without_an_output_prefix_widens_no_listing_and_no_node_write()
    {
        var synthesized = Synth.Stack(WithServingCommandStep);
        var listings = synthesized.Statements().Where(s => s.Actions.Contains("s3:ListBucket") && s.Condition is not null).ToList();
        var nodeWrites = synthesized.StatementsOfRole(ClusterTests.NodeRoleId(synthesized)).Where(s => s.Actions.Any(IsObjectWrite));

        Assert.NotEmpty(listings);
        Assert.All(listings, s => Assert.DoesNotContain(s.Condition!["StringLike"]!["s3:prefix"]!.AsArray(), p => p!.GetValue<string>() is "*" or ""));
        Assert.All(nodeWrites, s => Assert.DoesNotContain(ObjectSuffixes(s), r => r is "/*" or "/"));
    }

    [Fact]
    public void Nodes_may_keep_Spark_event_logs_under_spark_events()
    {
        var events = Assert.Single(NodeStatements(), s => s.Sid == "SparkEventLogs");
        var list = Assert.Single(NodeStatements(), s => s.Actions.Contains("s3:ListBucket"));

        Assert.Equal(["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"], events.Actions.Order());
        Assert.Equal(["/spark-events/*"], ObjectSuffixes(events));
        // S3A lists the folder while it writes and renames there; the node's listing is not narrowed (see NodePermissions).
        Assert.Null(list.Condition);
    }

    [Fact]
    public void The_event_log_grant_follows_spark_eventLog_dir()
    {
        var synthesized = Synth.Stack(c => c.Pipeline()["submit"]!["conf"]!["spark.eventLog.dir"] = "s3a://{bucket}/history/spark");
        var events = Assert.Single(synthesized.StatementsOfRole(ClusterTests.NodeRoleId(synthesized)), s => s.Sid == "SparkEventLogs");

        Assert.Equal(["/history/spark/*"], ObjectSuffixes(events));
    }

    [Fact]
    public void Without_event_logging_the_nodes_get_no_event_log_grant()
    {
        var synthesized = Synth.Stack(c => c.Pipeline()["submit"]!["conf"]!["spark.eventLog.enabled"] = "false");

        Assert.DoesNotContain(synthesized.StatementsOfRole(ClusterTests.NodeRoleId(synthesized)), s => s.Sid == "SparkEventLogs");
    }

    [Fact]
    public void Nodes_read_only_the_code_input_stage_output_and_event_log_folders()
    {
        var read = NodeStatements().Where(s => s.Actions.Contains("s3:GetObject")).SelectMany(ObjectSuffixes).Distinct().Order(StringComparer.Ordinal);

        Assert.Equal(["/code/*", "/raw-sensor-data/*", "/spark-events", "/spark-events/*", "/stage1_anomaly_detected/*", "/stage2_spatial_clustering/*"], read);
    }

    [Fact]
    public void Nodes_may_read_the_bare_event_log_key_that_S3A_asks_for_before_every_application()
    {
        var check = Assert.Single(NodeStatements(), s => s.Sid == "SparkEventLogDirectory");

        Assert.Equal(["s3:GetObject"], check.Actions);
        Assert.Equal(["/spark-events"], ObjectSuffixes(check));
    }

    [Fact]
    public void A_node_may_tag_only_itself_and_only_as_set_up()
    {
        var tagging = Assert.Single(NodeStatements(), s => s.Actions.Contains("ec2:CreateTags"));

        Assert.Equal(["ec2:CreateTags"], tagging.Actions);
        Assert.EndsWith(":instance/*", Synthesized.Text(Assert.Single(tagging.Resources)!), StringComparison.Ordinal);
        Assert.Equal("${ec2:SourceInstanceARN}", tagging.Condition!["StringEquals"]!["aws:ARN"]!.GetValue<string>());
        Assert.Equal("pothole-spark", tagging.Condition!["StringEquals"]![$"aws:ResourceTag/{NodeTags.Cluster}"]!.GetValue<string>());
        Assert.Equal(NodeTags.SetupComplete, tagging.Condition!["StringEquals"]![$"aws:RequestTag/{NodeTags.Setup}"]!.GetValue<string>());
        Assert.Equal([NodeTags.Setup], Iam.List(tagging.Condition!["ForAllValues:StringEquals"]!["aws:TagKeys"]));
    }

    [Fact]
    public void No_other_role_may_tag_instances()
    {
        Assert.All(
            Default.Statements().Where(s => s.Actions.Contains("ec2:CreateTags")),
            s => Assert.Equal(ClusterTests.NodeRoleId(Default), s.RoleId));
    }

    [Fact]
    public void With_the_AWS_managed_volume_key_no_function_gets_a_KMS_permission()
    {
        Assert.DoesNotContain(Default.Statements(), s => s.Actions.Any(a => a.StartsWith("kms:", StringComparison.Ordinal)));
    }

    [Fact]
    public void With_a_customer_managed_volume_key_exactly_the_functions_that_start_nodes_may_use_it_through_EC2()
    {
        const string key = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        var synthesized = Synth.Stack(c => c.Deployment()["ebsKmsKeyArn"] = key);
        var kms = synthesized.Statements().Where(s => s.Actions.Any(a => a.StartsWith("kms:", StringComparison.Ordinal))).ToList();
        var starters = new[] { "pothole-spark-StartCluster", "pothole-spark-ClusterStatus" }.Select(synthesized.FunctionRoleId).Order(StringComparer.Ordinal);

        Assert.Equal(starters, kms.Select(s => s.RoleId).Distinct().Order(StringComparer.Ordinal));
        Assert.All(kms, s => Assert.Equal(key, Assert.Single(s.Resources)!.GetValue<string>()));
        Assert.All(kms, s => Assert.Equal("ec2.ap-northeast-2.amazonaws.com", s.Condition!["StringEquals"]!["kms:ViaService"]!.GetValue<string>()));
        Assert.All(kms.Where(s => s.Actions.Contains("kms:CreateGrant")), s => Assert.Equal("true", s.Condition!["Bool"]!["kms:GrantIsForAWSResource"]!.GetValue<string>()));
        Assert.Equal(["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey"], kms.Where(s => s.RoleId == starters.First()).SelectMany(s => s.Actions).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Nodes_write_only_the_stage_output_and_event_log_folders()
    {
        var writes = NodeStatements().Where(s => s.Actions.Contains("s3:PutObject")).ToList();

        Assert.All(writes, w => Assert.Equal(["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"], w.Actions.Where(a => a != "s3:GetObject").Order()));
        Assert.Equal(["/spark-events/*", "/stage1_anomaly_detected/*", "/stage2_spatial_clustering/*"], writes.SelectMany(ObjectSuffixes).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Nodes_may_write_command_output_only_to_the_command_log_group()
    {
        var logs = Assert.Single(NodeStatements(), s => s.Actions.Contains("logs:PutLogEvents"));
        var groupId = Assert.Single(logs.Resources)!["Fn::GetAtt"]![0]!.GetValue<string>();

        Assert.Equal("/pothole-spark/commands", Default.Resource(groupId)["Properties"]!["LogGroupName"]!.GetValue<string>());
    }

    [Fact]
    public void The_daily_schedule_may_only_start_the_backfill_launcher()
    {
        var backfillId = StateMachineTests.MachineId(Default, "pothole-spark-backfill");
        var statement = Assert.Single(Default.StatementsOfRole(ScheduleTests.RoleId(Default, "pothole-spark-daily")), s => s.Sid != "DeadLetter");

        Assert.Equal(["states:StartExecution"], statement.Actions);
        Assert.Equal(backfillId, Assert.Single(statement.Resources)!["Ref"]!.GetValue<string>());
    }

    [Fact]
    public void The_sweeper_schedule_may_only_invoke_the_Sweep_function()
    {
        var statement = Assert.Single(Default.StatementsOfRole(ScheduleTests.RoleId(Default, "pothole-spark-sweep")), s => s.Sid != "DeadLetter");
        var function = Default.Resource(Assert.Single(statement.Resources)!["Fn::GetAtt"]![0]!.GetValue<string>());

        Assert.Equal(["lambda:InvokeFunction"], statement.Actions);
        Assert.Equal("pothole-spark-Sweep", function["Properties"]!["FunctionName"]!.GetValue<string>());
    }

    [Fact]
    public void No_one_else_may_invoke_the_Sweep_function_or_start_the_backfill()
    {
        var sweepId = Default.PipelineFunctions().Single(f => f.Resource["Properties"]!["Handler"]!.GetValue<string>() == "Sweep").Id;
        var backfillId = StateMachineTests.MachineId(Default, "pothole-spark-backfill");

        Assert.Equal([ScheduleTests.RoleId(Default, "pothole-spark-sweep")], Default.Statements().Where(s => s.ResourceTexts.Any(r => r.Contains($"\"{sweepId}\"", StringComparison.Ordinal))).Select(s => s.RoleId).Distinct());
        Assert.Equal([ScheduleTests.RoleId(Default, "pothole-spark-daily")], Default.Statements().Where(s => s.ResourceTexts.Any(r => r == $$"""{"Ref":"{{backfillId}}"}""")).Select(s => s.RoleId).Distinct());
        Default.Template.ResourceCountIs("AWS::Lambda::Permission", 0);
    }

    [Theory]
    [InlineData("pothole-spark-daily")]
    [InlineData("pothole-spark-sweep")]
    public void Only_this_account_s_schedules_may_assume_a_schedule_role(string schedule)
    {
        var trust = Default.Resource(ScheduleTests.RoleId(Default, schedule))["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]![0]!;

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

    private static bool IsObjectWrite(string action) =>
        action is "s3:PutObject" or "s3:DeleteObject" or "s3:DeleteObjectVersion" or "s3:AbortMultipartUpload" or "s3:PutObjectAcl" or "s3:RestoreObject";

    /// <summary>A third step as the README describes it: a shell command on a serving host tagged for the cluster, no output prefix.</summary>
    internal static void WithServingCommandStep(JsonObject context) =>
        context.Pipeline()["stages"]!.AsArray().Add(JsonNode.Parse("""
            {"name": "load_serving_db", "kind": "command", "targetRole": "serving",
             "command": ["/opt/serving/load-day.sh", "--date", "{ds}", "--from", "s3://{bucket}/stage2_spatial_clustering/dt={ds}/"],
             "script": "", "pyFiles": [], "args": [], "outputPrefix": "", "timeoutMinutes": 20, "expectedMinutes": 5}
            """));

    private static IEnumerable<string> ObjectSuffixes(Statement statement) =>
        statement.Resources.Select(r => r!["Fn::Join"]![1]![1]!.GetValue<string>());
}
