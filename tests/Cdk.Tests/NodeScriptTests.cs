using System.Runtime.Versioning;
using Pipeline.Cdk.Tests.Support;
using static Pipeline.Cdk.Tests.Support.NodeScripts;

namespace Pipeline.Cdk.Tests;

/// <summary>
/// The node scripts run for real with bash, with stand-ins for the AWS CLI and the instance metadata
/// service on the PATH: the boot script that puts the Spark secret into spark-defaults.conf, and the
/// part of spark-env.sh that binds Spark to the private address.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NodeScriptTests : IDisposable
{
    private const string Arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:ClusterSparkAuthSecret-AbCdEf";
    private const string Secret = "Q7rLwP2xZk9VbN4mT8sYc3HdJ6gF1aE5uR0oK2iW7qX9zC4vB8nM3lS6tD1yG5hA";

    private readonly string dir = Directory.CreateTempSubdirectory("node-scripts-").FullName;

    public NodeScriptTests()
    {
        Directory.CreateDirectory(Path.Combine(dir, "bin"));
        Directory.CreateDirectory(Path.Combine(dir, "spark", "conf"));
        File.WriteAllText(Conf, "# Written by the node set-up.\nspark.authenticate                             true\nspark.master.rest.enabled                      false\n");
        File.WriteAllText(Path.Combine(dir, "boot.sh"), NodeSetupScript.BootScript());
        File.WriteAllText(Path.Combine(dir, "secret"), Secret);
        // The AWS CLI stand-in answers only the exact call the boot script must make, and counts calls.
        Stub("aws", $$"""
            #!/bin/bash
            echo call >>"{{dir}}/aws-calls"
            [[ -f "{{dir}}/aws-fails" ]] && { echo 'Could not connect to the endpoint URL' >&2; exit 255; }
            [[ "$*" == "secretsmanager get-secret-value --region ap-northeast-2 --secret-id {{Arn}} --query SecretString --output text" ]] || { echo "unexpected aws call: $*" >&2; exit 2; }
            cat "{{dir}}/secret"; echo
            """);
        Stub("sleep", "#!/bin/bash\nexit 0\n");
    }

    private string Conf => Path.Combine(dir, "spark", "conf", "spark-defaults.conf");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void The_boot_script_adds_the_secret_and_keeps_the_other_settings()
    {
        var result = Boot();

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(
            "# Written by the node set-up.\nspark.authenticate                             true\nspark.master.rest.enabled                      false\n"
            + $"spark.authenticate.secret {Secret}\n",
            File.ReadAllText(Conf));
    }

    [Fact]
    public void The_conf_is_readable_by_its_owner_and_the_Spark_group_only()
    {
        Boot();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(Conf));
        Assert.Equal(Group(), Run("stat", ["-c", "%G", Conf]).Output.Trim());
    }

    [Fact]
    public void A_second_boot_replaces_the_secret_line_instead_of_adding_one()
    {
        Boot();
        File.WriteAllText(Path.Combine(dir, "secret"), new string('b', 64));

        var result = Boot();

        Assert.True(result.ExitCode == 0, result.Output);
        var lines = File.ReadAllLines(Conf).Where(l => l.StartsWith("spark.authenticate.secret", StringComparison.Ordinal));
        Assert.Equal([$"spark.authenticate.secret {new string('b', 64)}"], lines);
    }

    [Fact]
    public void The_secret_never_appears_in_the_output()
    {
        var result = Boot();

        Assert.DoesNotContain(Secret, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_Secrets_Manager_is_retried_then_fails_leaving_the_conf_unchanged()
    {
        File.WriteAllText(Path.Combine(dir, "aws-fails"), "");
        var before = File.ReadAllText(Conf);

        var result = Boot();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(8, File.ReadAllLines(Path.Combine(dir, "aws-calls")).Length);
        Assert.Equal(before, File.ReadAllText(Conf));
        Assert.Contains("could not read the Spark secret from Secrets Manager", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tooShort1")]
    [InlineData("with space Q7rLwP2xZk9VbN4mT8sYc3HdJ6gF1aE5uR0oK2iW7q")]
    [InlineData("Q7rLwP2xZk9VbN4mT8sYc3HdJ6gF1aE5uR0oK2iW7qX9zC4vB8\nspark.authenticate false")]
    [InlineData("Q7rLwP2xZk9VbN4mT8sYc3HdJ6gF1aE5uR0oK2iW7qX9zC4vB8nM3l=S6tD1yG5hA")]
    public void A_secret_that_is_not_32_to_256_letters_and_digits_is_refused(string secret)
    {
        File.WriteAllText(Path.Combine(dir, "secret"), secret);
        var before = File.ReadAllText(Conf);

        var result = Boot();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(before, File.ReadAllText(Conf));
        Assert.DoesNotContain(secret, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void At_boot_the_settings_come_from_the_boot_env_file()
    {
        var env = Path.Combine(dir, "boot.env");
        File.WriteAllText(env, $"SPARK_HOME={Path.Combine(dir, "spark")}\nSPARK_USER={Group()}\nSPARK_AUTH_SECRET_ID={Arn}\n");

        var result = Run("bash", [Path.Combine(dir, "boot.sh")], new() { ["SPARK_NODE_BOOT_ENV"] = env }, Path.Combine(dir, "bin"));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.EndsWith($"spark.authenticate.secret {Secret}\n", File.ReadAllText(Conf), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_conf_written_by_the_set_up_the_boot_script_fails()
    {
        File.Delete(Conf);

        Assert.NotEqual(0, Boot().ExitCode);
        Assert.False(File.Exists(Conf));
    }

    [Fact]
    public void Spark_env_binds_to_the_private_address_from_IMDSv2()
    {
        ImdsStub("10.40.0.17");

        var result = SourceSparkEnv();

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("SPARK_LOCAL_IP=10.40.0.17 SPARK_PUBLIC_DNS=10.40.0.17 token=unset", result.Output.Trim());
    }

    [Fact]
    public void Without_IMDSv2_Spark_does_not_start_rather_than_bind_everywhere()
    {
        Stub("curl", "#!/bin/bash\nexit 22\n");

        var result = SourceSparkEnv();

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("SPARK_LOCAL_IP=", result.Output, StringComparison.Ordinal);
        Assert.Contains("not starting Spark", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>error</html>")]
    [InlineData("0.0.0.0; rm -rf /")]
    [InlineData("0.0.0.0")]
    [InlineData("127.0.0.1")]
    public void An_unexpected_address_stops_Spark_too(string address)
    {
        ImdsStub(address);

        var result = SourceSparkEnv();

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("SPARK_LOCAL_IP=", result.Output, StringComparison.Ordinal);
    }

    private static string Group() => Run("id", ["-gn"]).Output.Trim();

    private (int ExitCode, string Output) Boot() =>
        Run(
            "bash",
            [Path.Combine(dir, "boot.sh")],
            new()
            {
                ["SPARK_HOME"] = Path.Combine(dir, "spark"),
                ["SPARK_USER"] = Group(),
                ["SPARK_AUTH_SECRET_ID"] = Arn,
                ["SPARK_NODE_BOOT_ENV"] = Path.Combine(dir, "no-such-file"),
            },
            Path.Combine(dir, "bin"));

    private (int ExitCode, string Output) SourceSparkEnv()
    {
        var env = Path.Combine(dir, "spark-env-part.sh");
        File.WriteAllText(env, SparkEnvDynamicPart());
        // As Spark's load-spark-env.sh reads it: sourced with every assignment exported.
        var probe = $"set -a; . '{env}'; set +a; echo \"SPARK_LOCAL_IP=$SPARK_LOCAL_IP SPARK_PUBLIC_DNS=$SPARK_PUBLIC_DNS token=${{_imds_token-unset}}\"";
        return Run("bash", ["-c", probe], pathPrefix: Path.Combine(dir, "bin"));
    }

    /// <summary>IMDSv2 as curl sees it: a token for a PUT, the address only with that token.</summary>
    private void ImdsStub(string address)
    {
        File.WriteAllText(Path.Combine(dir, "address"), address);
        Stub("curl", $$"""
            #!/bin/bash
            args="$*"
            if [[ "$args" == *"-X PUT -H X-aws-ec2-metadata-token-ttl-seconds: 60 http://169.254.169.254/latest/api/token" ]]; then printf 'tok123'; exit 0; fi
            if [[ "$args" == *"-H X-aws-ec2-metadata-token: tok123 http://169.254.169.254/latest/meta-data/local-ipv4" ]]; then cat "{{dir}}/address"; exit 0; fi
            echo "unexpected curl call: $args" >&2; exit 22
            """);
    }

    private void Stub(string name, string script)
    {
        var path = Path.Combine(dir, "bin", name);
        File.WriteAllText(path, script.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
