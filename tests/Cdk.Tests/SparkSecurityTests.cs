using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

/// <summary>
/// Spark itself: RPC authentication with a secret generated at deploy time and read by the nodes at
/// boot, and every Spark endpoint bound to the node's private address. What the scripts do when run
/// is in NodeScriptTests.
/// </summary>
public sealed partial class SparkSecurityTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void The_node_setup_turns_Spark_RPC_authentication_on()
    {
        Assert.Matches(@"(?m)^spark\.authenticate\s+true$", SparkDefaults());
    }

    [Fact]
    public void The_REST_submission_server_which_cannot_authenticate_stays_off()
    {
        Assert.Matches(@"(?m)^spark\.master\.rest\.enabled\s+false$", SparkDefaults());
    }

    [Fact]
    public void The_Spark_secret_is_generated_by_Secrets_Manager_at_deploy_time()
    {
        var secret = SecretProperties();

        Assert.Null(secret["SecretString"]);
        Assert.Equal("""{"ExcludePunctuation":true,"IncludeSpace":false,"PasswordLength":64}""", secret["GenerateSecretString"]!.ToJsonString());
    }

    [Fact]
    public void No_secret_value_is_written_into_the_template()
    {
        var text = Default.Json.ToJsonString();

        Assert.DoesNotContain("\"SecretString\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"SecretStringValue\"", text, StringComparison.Ordinal);
        // The only spark.authenticate.secret line is the boot script's printf of what it fetched.
        Assert.All(
            AuthSecretLines().Matches(text).Select(m => m.Value),
            line => Assert.Equal("spark.authenticate.secret %s", line));
    }

    [Fact]
    public void The_Spark_secret_is_encrypted_at_rest_by_Secrets_Manager_with_its_KMS_key()
    {
        // Secrets Manager always encrypts; without KmsKeyId it uses the account's aws/secretsmanager key,
        // which decrypts only through Secrets Manager for principals allowed GetSecretValue.
        Assert.Null(SecretProperties()["KmsKeyId"]);
        Default.Template.ResourceCountIs("AWS::SecretsManager::Secret", 1);
    }

    [Fact]
    public void The_node_role_may_read_exactly_the_Spark_secret()
    {
        var read = Assert.Single(Default.StatementsOfRole(ClusterTests.NodeRoleId(Default)), s => s.Actions.Any(a => a.StartsWith("secretsmanager:", StringComparison.Ordinal)));

        Assert.Equal(["secretsmanager:GetSecretValue"], read.Actions);
        Assert.Equal(SecretId(), Assert.Single(read.Resources)!["Ref"]!.GetValue<string>());
    }

    [Fact]
    public void No_other_role_touches_any_secret()
    {
        var nodeRole = ClusterTests.NodeRoleId(Default);

        Assert.DoesNotContain(Default.Statements(), s => s.RoleId != nodeRole && s.Actions.Any(a => a.StartsWith("secretsmanager:", StringComparison.Ordinal) || a.StartsWith("kms:", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_user_data_names_the_secret_by_its_ARN_and_holds_no_value()
    {
        Assert.All(ClusterTests.Instances(), i =>
            Assert.Contains($"\nexport SPARK_AUTH_SECRET_ID='{{Ref:{SecretId()}}}'\n", ClusterTests.UserData(i), StringComparison.Ordinal));
    }

    [Fact]
    public void The_user_data_installs_the_boot_script_before_the_set_up_runs()
    {
        var userData = ClusterTests.UserData(ClusterTests.Master());
        var install = userData.IndexOf($"cat >{NodeSetupScript.BootScriptPath} <<'{NodeSetupScript.BootScriptEnd}'\n", StringComparison.Ordinal);

        Assert.InRange(install, 0, userData.IndexOf("\n: \"${SPARK_VERSION:?", StringComparison.Ordinal));
        Assert.Contains(NodeSetupScript.Compact(NodeSetupScript.BootScript()).TrimEnd('\n') + $"\n{NodeSetupScript.BootScriptEnd}\nchmod 0755 {NodeSetupScript.BootScriptPath}\n", userData, StringComparison.Ordinal);
    }

    [Fact]
    public void The_boot_script_fetches_the_secret_with_get_secret_value()
    {
        Assert.Contains("aws secretsmanager get-secret-value --region \"$region\" --secret-id \"$SPARK_AUTH_SECRET_ID\"", NodeSetupScript.BootScript(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_secret_is_fetched_at_every_boot_before_the_SSM_agent_starts()
    {
        var unit = SystemdUnit();

        Assert.Contains("\nBefore=amazon-ssm-agent.service\n", unit, StringComparison.Ordinal);
        Assert.Contains("\nAfter=network-online.target\n", unit, StringComparison.Ordinal);
        Assert.Contains("\nType=oneshot\nExecStart=${BOOT_SCRIPT}\n", unit, StringComparison.Ordinal);
        Assert.Contains("\nWantedBy=multi-user.target\n", unit, StringComparison.Ordinal);
        Assert.Contains("\nsystemctl enable spark-node-boot.service\n\"$BOOT_SCRIPT\"\n", NodeSetupScript.Body(), StringComparison.Ordinal);
    }

    [Fact]
    public void Spark_configuration_belongs_to_root_and_only_the_Spark_group_reads_the_defaults()
    {
        var body = NodeSetupScript.Body();

        Assert.Contains("\nchown -R root:root \"$SPARK_HOME\"\n", body, StringComparison.Ordinal);
        Assert.Contains("\nchgrp \"$SPARK_USER\" \"$SPARK_HOME/conf/spark-defaults.conf\"\nchmod 0640 \"$SPARK_HOME/conf/spark-defaults.conf\"\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Spark_binds_to_the_private_address_from_IMDSv2()
    {
        var env = NodeScripts.SparkEnvDynamicPart();

        Assert.Contains("-X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token", env, StringComparison.Ordinal);
        Assert.Contains("http://169.254.169.254/latest/meta-data/local-ipv4", env, StringComparison.Ordinal);
        Assert.Contains("\nexport SPARK_LOCAL_IP\n", env, StringComparison.Ordinal);
        Assert.Contains("\nexport SPARK_PUBLIC_DNS=\"$SPARK_LOCAL_IP\"\n", env, StringComparison.Ordinal);
    }

    [Fact]
    public void The_master_advertises_itself_on_the_private_address()
    {
        Assert.Contains("echo 'export SPARK_MASTER_HOST=\"$SPARK_LOCAL_IP\"' >>\"$SPARK_HOME/conf/spark-env.sh\"", NodeSetupScript.Body(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_master_private_address_is_an_output_for_port_forwarding()
    {
        var output = Default.Json["Outputs"]!["MasterPrivateIp"]!;
        var masterId = Default.Resources("AWS::EC2::Instance").Single(i => ClusterTests.Tag(i.Resource, Pipeline.Functions.Domain.NodeTags.Role) == "master").Id;

        Assert.Equal($$"""{"Fn::GetAtt":["{{masterId}}","PrivateIp"]}""", output["Value"]!.ToJsonString());
    }

    [Fact]
    public void The_user_data_fits_the_EC2_limit_with_room_to_spare()
    {
        // 16 KiB is EC2's limit; what is left is for deployment.pythonPackages (the synth refuses more, naming it).
        Assert.All(ClusterTests.Instances(), i => Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(ClusterTests.UserData(i)), 1, 15 * 1024));
    }

    [Fact]
    public void The_user_data_is_valid_bash()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("user-data-").FullName, "user-data.sh");
        File.WriteAllText(file, ClusterTests.UserData(ClusterTests.Master()));

        var result = NodeScripts.Run("bash", ["-n", file]);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    private static string SparkDefaults() => NodeScripts.Heredoc(NodeSetupScript.Body(), "cat >\"$SPARK_HOME/conf/spark-defaults.conf\" <<EOF");

    private static string SystemdUnit() => NodeScripts.Heredoc(NodeSetupScript.Body(), "cat >/etc/systemd/system/spark-node-boot.service <<EOF");

    private static string SecretId() => Assert.Single(Default.Resources("AWS::SecretsManager::Secret")).Id;

    private static JsonNode SecretProperties() => Default.Resource(SecretId())["Properties"]!;

    [GeneratedRegex(@"spark\.authenticate\.secret[ \t]+[^\\""\n]*")]
    private static partial Regex AuthSecretLines();
}
