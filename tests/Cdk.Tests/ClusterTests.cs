using System.Text.Json.Nodes;
using Pipeline.Cdk.Tests.Support;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk.Tests;

public sealed class ClusterTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void One_master_and_workerCount_workers_are_deployed(int workers)
    {
        var synthesized = Synth.Stack(c => c.Pipeline()["workerCount"] = workers);

        synthesized.Template.ResourceCountIs("AWS::EC2::Instance", workers + 1);
    }

    [Fact]
    public void The_shipped_settings_deploy_two_workers()
    {
        Default.Template.ResourceCountIs("AWS::EC2::Instance", 3);
    }

    [Fact]
    public void Exactly_one_node_is_tagged_master()
    {
        Assert.Single(Instances(), i => Tag(i, NodeTags.Role) == NodeTags.MasterRole);
    }

    [Fact]
    public void The_other_nodes_are_tagged_worker()
    {
        Assert.Equal(2, Instances().Count(i => Tag(i, NodeTags.Role) == NodeTags.WorkerRole));
    }

    [Fact]
    public void Every_node_is_tagged_with_the_cluster_name()
    {
        Assert.All(Instances(), i => Assert.Equal("pothole-spark", Tag(i, NodeTags.Cluster)));
    }

    [Fact]
    public void Every_node_requires_IMDSv2()
    {
        var templates = Default.Resources("AWS::EC2::LaunchTemplate")
            .ToDictionary(t => t.Resource["Properties"]!["LaunchTemplateName"]!.GetValue<string>(), t => t.Resource);

        Assert.All(Instances(), i =>
        {
            var name = i["Properties"]!["LaunchTemplate"]!["LaunchTemplateName"]!.GetValue<string>();
            Assert.Equal("required", templates[name]["Properties"]!["LaunchTemplateData"]!["MetadataOptions"]!["HttpTokens"]!.GetValue<string>());
        });
    }

    [Fact]
    public void Every_root_volume_is_encrypted_gp3()
    {
        Assert.All(Instances(), i =>
        {
            var ebs = Assert.Single(i["Properties"]!["BlockDeviceMappings"]!.AsArray())!["Ebs"]!;
            Assert.True(ebs["Encrypted"]!.GetValue<bool>());
            Assert.Equal("gp3", ebs["VolumeType"]!.GetValue<string>());
        });
    }

    [Fact]
    public void No_node_has_a_key_pair()
    {
        Assert.All(Instances(), i => Assert.Null(i["Properties"]!["KeyName"]));
        Assert.All(Default.Resources("AWS::EC2::LaunchTemplate"), t => Assert.Null(t.Resource["Properties"]!["LaunchTemplateData"]!["KeyName"]));
        Default.Template.ResourceCountIs("AWS::EC2::KeyPair", 0);
    }

    [Fact]
    public void The_node_setup_turns_sshd_off()
    {
        Assert.Contains("for unit in sshd.service sshd.socket; do\n", UserData(Master()), StringComparison.Ordinal);
        Assert.Contains("  systemctl disable --now \"$unit\" 2>/dev/null || true\ndone\n", UserData(Master()), StringComparison.Ordinal);
    }

    [Fact]
    public void The_master_user_data_sets_the_master_role()
    {
        Assert.Contains("export NODE_ROLE='master'\n", UserData(Master()), StringComparison.Ordinal);
    }

    [Fact]
    public void The_user_data_carries_the_Spark_version_and_paths_from_the_settings()
    {
        var userData = UserData(Master());

        Assert.Contains("export SPARK_VERSION='3.5.7'\nexport SPARK_DOWNLOAD_URL=", userData, StringComparison.Ordinal);
        Assert.Contains("export SPARK_HOME='/opt/spark'\nexport SPARK_USER='spark'\nexport CODE_DIRECTORY='/opt/pipeline/code'\n", userData, StringComparison.Ordinal);
    }

    [Fact]
    public void The_user_data_runs_the_node_setup_script_after_the_settings()
    {
        var userData = UserData(Master());

        Assert.StartsWith($"#!/bin/bash\n{NodeSetupScript.Notice}\nexport ", userData, StringComparison.Ordinal);
        Assert.EndsWith(
            $"cat >{NodeSetupScript.SetupScriptPath} <<'{NodeSetupScript.SetupScriptEnd}'\n{NodeSetupScript.Compact(NodeSetupScript.Body()).TrimEnd('\n')}\n{NodeSetupScript.SetupScriptEnd}\n"
            + $"chmod 0755 {NodeSetupScript.SetupScriptPath}\nexec {NodeSetupScript.SetupScriptPath}",
            userData,
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_user_data_replaces_the_node()
    {
        // userDataCausesReplacement shows up as a hash of the user data in the logical id.
        Assert.All(Default.Resources("AWS::EC2::Instance"), i => Assert.Matches("[0-9a-f]{16}$", i.Id));
    }

    [Fact]
    public void Command_output_goes_to_the_configured_log_group_with_retention()
    {
        Default.Template.HasResourceProperties("AWS::Logs::LogGroup", new Dictionary<string, object>
        {
            ["LogGroupName"] = "/pothole-spark/commands",
            ["RetentionInDays"] = 30,
        });
    }

    [Fact]
    public void The_node_role_has_the_SSM_core_policy()
    {
        var role = Default.Resource(NodeRoleId(Default));

        Assert.Contains("AmazonSSMManagedInstanceCore", role["Properties"]!["ManagedPolicyArns"]!.ToJsonString(), StringComparison.Ordinal);
    }

    internal static string NodeRoleId(Synthesized s) =>
        s.Resources("AWS::IAM::Role").Single(r => r.Resource["Properties"]!["AssumeRolePolicyDocument"]!.ToJsonString().Contains("ec2.amazonaws.com", StringComparison.Ordinal)).Id;

    internal static List<JsonObject> Instances() => Default.Resources("AWS::EC2::Instance").Select(i => i.Resource).ToList();

    internal static JsonObject Master() => Instances().Single(i => Tag(i, NodeTags.Role) == NodeTags.MasterRole);

    internal static string? Tag(JsonObject instance, string key) =>
        instance["Properties"]!["Tags"]!.AsArray().FirstOrDefault(t => t!["Key"]!.GetValue<string>() == key)?["Value"]!.GetValue<string>();

    internal static string UserData(JsonObject instance) => Synthesized.Text(instance["Properties"]!["UserData"]!["Fn::Base64"]!);
}
