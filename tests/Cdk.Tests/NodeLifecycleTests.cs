using System.Text.Json.Nodes;
using Amazon.CDK;
using Pipeline.Cdk.Settings;
using Pipeline.Cdk.Tests.Support;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk.Tests;

/// <summary>
/// A node's life in CloudFormation: created only once its set-up has signalled, on an AMI fixed at
/// synth, with volumes encrypted by the configured key, and a set-up that runs again at later boots
/// until it has completed once.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NodeLifecycleTests
{
    private static Synthesized Default => Synth.DefaultStack;

    private const string RecordedAmi = "ami-0fedcba9876543210";

    [Fact]
    public void Every_node_waits_for_one_signal_of_its_set_up()
    {
        Assert.All(Default.Resources("AWS::EC2::Instance"), i =>
            Assert.Equal(1, i.Resource["CreationPolicy"]?["ResourceSignal"]?["Count"]?.GetValue<int>() ?? 0));
    }

    [Fact]
    public void The_signal_timeout_fits_a_slow_first_boot()
    {
        // Java, a 400 MB Spark download and the S3A jars from Maven Central: well past 10 minutes on a slow day.
        Assert.All(Default.Resources("AWS::EC2::Instance"), i =>
            Assert.True(Minutes(i.Resource) >= 30, $"{i.Id}: {i.Resource["CreationPolicy"]?.ToJsonString()}"));
    }

    [Fact]
    public void The_signal_timeout_is_nodeSetupTimeoutMinutes()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["nodeSetupTimeoutMinutes"] = 90);

        Assert.All(synthesized.Resources("AWS::EC2::Instance"), i => Assert.Equal(90, Minutes(i.Resource)));
    }

    [Theory]
    [InlineData(9)]
    [InlineData(121)]
    public void A_setup_timeout_outside_10_to_720_minutes_is_refused(int minutes)
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Deployment()["nodeSetupTimeoutMinutes"] = minutes));

        Assert.Contains(error.Problems, p => p.StartsWith("deployment.nodeSetupTimeoutMinutes: expected a whole number from 10 to 120", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_node_signals_its_own_resource_of_this_stack()
    {
        Assert.All(Default.Resources("AWS::EC2::Instance"), i =>
        {
            var userData = ClusterTests.UserData(i.Resource);
            Assert.Contains($"export CFN_RESOURCE='{i.Id}'\n", userData, StringComparison.Ordinal);
            Assert.Contains("export CFN_STACK='PotholeSparkPipeline'\n", userData, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void No_node_takes_its_image_from_an_SSM_parameter()
    {
        var parameters = Default.Json["Parameters"]?.AsObject() ?? [];

        Assert.All(Default.Resources("AWS::EC2::Instance"), i =>
        {
            var image = i.Resource["Properties"]!["ImageId"]!;
            if (image["Ref"] is { } reference)
            {
                Assert.DoesNotContain("SSM", parameters[reference.GetValue<string>()]!["Type"]!.GetValue<string>(), StringComparison.Ordinal);
            }
        });
    }

    [Fact]
    public void Offline_with_nothing_recorded_the_image_is_a_parameter_CloudFormation_demands_before_creating_anything()
    {
        var parameter = Default.Json["Parameters"]![NodeImage.ParameterId]!;

        Assert.Equal("AWS::EC2::Image::Id", parameter["Type"]!.GetValue<string>());
        Assert.Null(parameter["Default"]);
        Assert.All(Default.Resources("AWS::EC2::Instance"), i => Assert.Equal(NodeImage.ParameterId, i.Resource["Properties"]!["ImageId"]!["Ref"]!.GetValue<string>()));
    }

    [Fact]
    public void A_pinned_amiId_is_the_image_of_every_node()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["amiId"] = "ami-0123456789abcdef0");

        Assert.All(synthesized.Resources("AWS::EC2::Instance"), i => Assert.Equal("ami-0123456789abcdef0", i.Resource["Properties"]!["ImageId"]!.GetValue<string>()));
        Assert.Null(synthesized.Json["Parameters"]?[NodeImage.ParameterId]);
    }

    [Fact]
    public void An_image_recorded_in_context_is_the_image_of_every_node()
    {
        var synthesized = RecordedStack();

        Assert.All(synthesized.Resources("AWS::EC2::Instance"), i => Assert.Equal(RecordedAmi, i.Resource["Properties"]!["ImageId"]!.GetValue<string>()));
        Assert.Equal(NodeImage.FromRecordedLookup, synthesized.Stack.Cluster.NodeImage.Source);
    }

    [Fact]
    public void A_newer_image_published_by_AWS_does_not_change_a_recorded_synth()
    {
        // What AWS publishes reaches the template only through the recorded lookup, so the template
        // is the same until someone records again on purpose.
        var first = RecordedStack();
        var second = RecordedStack();

        Assert.Equal(
            first.Resources("AWS::EC2::Instance").Select(i => (i.Id, i.Resource["Properties"]!["ImageId"]!.ToJsonString())),
            second.Resources("AWS::EC2::Instance").Select(i => (i.Id, i.Resource["Properties"]!["ImageId"]!.ToJsonString())));
    }

    [Fact]
    public void Recording_the_image_without_an_account_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Stack(c => c[NodeImage.RecordContextKey] = true));

        Assert.Contains(error.Problems, p => p.StartsWith("deployment.account:", StringComparison.Ordinal));
    }

    [Fact]
    public void Root_volumes_use_the_configured_KMS_key()
    {
        const string key = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        var synthesized = Synth.Stack(c => c.Deployment()["ebsKmsKeyArn"] = key);

        Assert.All(synthesized.Resources("AWS::EC2::Instance"), i =>
        {
            var ebs = Assert.Single(i.Resource["Properties"]!["BlockDeviceMappings"]!.AsArray())!["Ebs"]!;
            Assert.True(ebs["Encrypted"]!.GetValue<bool>());
            Assert.Equal(key, ebs["KmsKeyId"]!.GetValue<string>());
        });
    }

    [Fact]
    public void By_default_root_volumes_name_no_key()
    {
        Assert.All(Default.Resources("AWS::EC2::Instance"), i =>
            Assert.Null(Assert.Single(i.Resource["Properties"]!["BlockDeviceMappings"]!.AsArray())!["Ebs"]!["KmsKeyId"]));
    }

    [Theory]
    [InlineData("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "deployment.ebsKmsKeyArn: a volume's key must be in the stack's region ap-northeast-2")]
    [InlineData("alias/aws/ebs", "deployment.ebsKmsKeyArn: expected the ARN of a KMS key")]
    [InlineData("arn:aws:kms:ap-northeast-2:123456789012:key/x'; rm -rf /", "deployment.ebsKmsKeyArn: expected the ARN of a KMS key")]
    public void A_volume_key_that_is_not_a_key_ARN_of_the_region_is_refused(string arn, string problem)
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Deployment()["ebsKmsKeyArn"] = arn));

        Assert.Contains(error.Problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void The_set_up_is_kept_on_the_node_and_runs_again_at_every_boot_until_it_completed()
    {
        var userData = ClusterTests.UserData(ClusterTests.Master());
        var setup = NodeScripts.Heredoc(userData.Replace($"\n{NodeSetupScript.SetupScriptEnd}\n", "\nEOF\n", StringComparison.Ordinal), $"cat >{NodeSetupScript.SetupScriptPath} <<'{NodeSetupScript.SetupScriptEnd}'");
        var dir = Directory.CreateTempSubdirectory("per-boot-").FullName;
        var marker = Path.Combine(dir, "setup-complete");
        var ran = Path.Combine(dir, "ran");
        File.WriteAllText(Path.Combine(dir, "setup"), $"#!/bin/sh\necho run >>{ran}\n");
        File.SetUnixFileMode(Path.Combine(dir, "setup"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var perBoot = Path.Combine(dir, "per-boot");

        // The per-boot script exactly as the set-up writes it, for a marker and a set-up of this test's own.
        var write = System.Text.RegularExpressions.Regex.Match(setup, "\nprintf '[^\n]*' \"\\$MARKER\" \"\\$SETUP_SCRIPT\" >\"\\$PER_BOOT\"\n").Value;
        Assert.NotEmpty(write);
        NodeScripts.Run("bash", ["-c", write], new() { ["MARKER"] = marker, ["SETUP_SCRIPT"] = Path.Combine(dir, "setup"), ["PER_BOOT"] = perBoot });
        NodeScripts.Run("sh", [perBoot]);
        File.WriteAllText(marker, "3.5.7\n");
        NodeScripts.Run("sh", [perBoot]);

        Assert.Equal(["run"], File.ReadAllLines(ran));
        Assert.Contains("readonly PER_BOOT=/var/lib/cloud/scripts/per-boot/", setup, StringComparison.Ordinal);
        Assert.EndsWith($"\nexec {NodeSetupScript.SetupScriptPath}", userData, StringComparison.Ordinal);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Later_boots_get_the_settings_but_not_the_first_boot_mark_so_a_resumed_set_up_never_stops_a_node_someone_started()
    {
        var userData = ClusterTests.UserData(ClusterTests.Master());
        var save = NodeSetupScript.Body().Split('\n').Single(l => l.Contains("export -p | grep -E", StringComparison.Ordinal)).Trim();
        var dir = Directory.CreateTempSubdirectory("setup-env-").FullName;
        var env = Path.Combine(dir, "setup.env");

        var saved = NodeScripts.Run("bash", ["-c", save.Replace("\"$SETUP_ENV\"", $"'{env}'", StringComparison.Ordinal)], new()
        {
            ["SPARK_VERSION"] = "3.5.7", ["CFN_RESOURCE"] = "ClusterMasterABC", ["SPARK_NODE_FIRST_BOOT"] = "1",
        });
        var read = NodeScripts.Run("bash", ["-c", $". '{env}'; echo \"$SPARK_VERSION $CFN_RESOURCE first=${{SPARK_NODE_FIRST_BOOT:-unset}}\""]);
        Directory.Delete(dir, recursive: true);

        Assert.True(saved.ExitCode == 0, saved.Output);
        Assert.Equal("3.5.7 ClusterMasterABC first=unset", read.Output.Trim());
        Assert.Contains("export SPARK_NODE_FIRST_BOOT='1'\n", userData, StringComparison.Ordinal);
    }

    [Fact]
    public void Workers_clean_up_finished_applications_after_workerAppDataRetentionHours()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["workerAppDataRetentionHours"] = 48);
        var userData = ClusterTests.UserData(synthesized.Resources("AWS::EC2::Instance").Select(i => i.Resource).First(i => ClusterTests.Tag(i, NodeTags.Role) == NodeTags.WorkerRole));
        var ttl = System.Text.RegularExpressions.Regex.Match(userData, "export WORKER_CLEANUP_TTL_SECONDS='([0-9]+)'\n").Groups[1].Value;

        // The set-up writes spark-env.sh from its settings; render that part as the set-up would.
        var render = Path.Combine(Directory.CreateTempSubdirectory("spark-env-").FullName, "render.sh");
        File.WriteAllText(render, "cat <<EOF" + NodeScripts.SparkEnvStaticPart() + "EOF\n");
        var rendered = NodeScripts.Run("bash", [render], new() { ["WORKER_CLEANUP_TTL_SECONDS"] = ttl, ["java_home"] = "/usr/lib/jvm/java" });
        File.WriteAllText(render, rendered.Output);
        var opts = NodeScripts.Run("bash", ["-c", "set -a; . \"$1\"; printf '%s' \"$SPARK_WORKER_OPTS\"", "_", render]);
        Directory.Delete(Path.GetDirectoryName(render)!, recursive: true);

        Assert.Equal("172800", ttl);
        Assert.Contains("-Dspark.worker.cleanup.enabled=true", opts.Output, StringComparison.Ordinal);
        Assert.Contains("-Dspark.worker.cleanup.appDataTtl=172800", opts.Output, StringComparison.Ordinal);
    }

    private static Synthesized RecordedStack() => Synth.Stack(c =>
    {
        c.Deployment()["account"] = "123456789012";
        c[$"ssm:account=123456789012:parameterName={NodeImage.Al2023Parameter}:region=ap-northeast-2"] = RecordedAmi;
    });

    private static int Minutes(JsonObject instance)
    {
        var timeout = instance["CreationPolicy"]?["ResourceSignal"]?["Timeout"]?.GetValue<string>() ?? "PT0M";
        return (int)System.Xml.XmlConvert.ToTimeSpan(timeout).TotalMinutes;
    }
}
