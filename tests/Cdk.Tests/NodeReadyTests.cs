using System.Runtime.Versioning;
using static Pipeline.Cdk.Tests.Support.NodeScripts;

namespace Pipeline.Cdk.Tests;

/// <summary>
/// cdk/spark-node-ready.sh run for real with bash, with stand-ins for java, runuser, the AWS CLI,
/// cfn-signal and the instance metadata service on the PATH: the smoke check decides what the
/// node's CreationPolicy hears, and only a node that passed it marks itself set up.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NodeReadyTests : IDisposable
{
    private const string InstanceId = "i-0123456789abcdef0";

    private readonly string dir = Directory.CreateTempSubdirectory("node-ready-").FullName;

    public NodeReadyTests()
    {
        Directory.CreateDirectory(Path.Combine(dir, "bin"));
        Directory.CreateDirectory(Path.Combine(Spark, "bin"));
        Directory.CreateDirectory(Path.Combine(Spark, "jars"));
        Directory.CreateDirectory(Path.Combine(Spark, "conf"));
        File.WriteAllText(Path.Combine(dir, "ready.sh"), NodeSetupScript.ReadyScript());
        Executable(Path.Combine(Spark, "bin", "spark-submit"), "#!/bin/bash\necho 'version 3.5.7' >&2\n");
        File.WriteAllText(Path.Combine(Spark, "jars", "hadoop-aws-3.3.4.jar"), "");
        File.WriteAllText(Path.Combine(Spark, "jars", "aws-java-sdk-bundle-1.12.262.jar"), "");
        File.WriteAllText(Path.Combine(Spark, "conf", "spark-defaults.conf"), "spark.authenticate true\nspark.authenticate.secret abc123\n");
        Stub("java", "#!/bin/bash\necho 'openjdk version \"17\"' >&2\n");
        Stub("runuser", "#!/bin/bash\nshift 2; [[ \"$1\" == -- ]] && shift; exec \"$@\"\n");
        Stub("cfn-signal", $"#!/bin/bash\nprintf '%s\\n' \"$*\" >>'{dir}/signals'\n");
        // Every AWS call is recorded; list/put/head/create-tags answer as a bucket with nothing under the prefix does.
        Stub("aws", $$"""
            #!/bin/bash
            printf '%s\n' "$*" >>'{{dir}}/aws-calls'
            case "$*" in
              *"s3api"*"list-objects-v2"*) cat '{{dir}}/listed' 2>/dev/null || echo 0 ;;
              *"s3api"*"head-object"*) echo 'An error occurred (404) when calling the HeadObject operation: Not Found' >&2; exit 254 ;;
              *"ec2 create-tags"*) [[ -f '{{dir}}/tag-refused' ]] && { echo 'UnauthorizedOperation' >&2; exit 254; }; exit 0 ;;
            esac
            """);
        Stub("curl", $$"""
            #!/bin/bash
            case "$*" in
              *"-X PUT"*"/latest/api/token") printf tok ;;
              *"X-aws-ec2-metadata-token: tok"*"/latest/meta-data/instance-id") printf '{{InstanceId}}' ;;
              *) exit 22 ;;
            esac
            """);
    }

    private string Spark => Path.Combine(dir, "spark");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void A_node_that_passes_the_smoke_check_tags_itself_then_signals_success()
    {
        var result = Ready();

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(["-e 0 --stack PotholeSparkPipeline --resource ClusterMasterABC --region ap-northeast-2"], Signals());
        Assert.Contains($"ec2 create-tags --region ap-northeast-2 --resources {InstanceId} --tags Key=SparkNodeSetup,Value=complete", AwsCalls());
    }

    [Theory]
    [InlineData("jars/hadoop-aws-3.3.4.jar", "S3A jar hadoop-aws missing")]
    [InlineData("jars/aws-java-sdk-bundle-1.12.262.jar", "AWS SDK bundle for S3A missing")]
    [InlineData("bin/spark-submit", "spark-submit --version failed")]
    public void A_missing_piece_signals_failure_naming_it_and_leaves_the_node_unmarked(string piece, string reason)
    {
        File.Delete(Path.Combine(Spark, piece));

        var result = Ready();

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"-e 1 --stack PotholeSparkPipeline --resource ClusterMasterABC --region ap-northeast-2 --reason {reason}"], Signals());
        Assert.DoesNotContain(AwsCalls(), c => c.StartsWith("ec2 create-tags", StringComparison.Ordinal));
    }

    [Fact]
    public void A_secret_Spark_cannot_read_is_a_failed_set_up()
    {
        File.WriteAllText(Path.Combine(Spark, "conf", "spark-defaults.conf"), "spark.authenticate true\n");

        var result = Ready();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--reason Spark secret not readable", Assert.Single(Signals()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_java_is_a_failed_set_up()
    {
        Stub("java", "#!/bin/bash\nexit 1\n");

        Assert.Contains("--reason java -version failed", Assert.Single(Signals(Ready())), StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_tag_is_a_failed_set_up_not_a_success()
    {
        File.WriteAllText(Path.Combine(dir, "tag-refused"), "");

        var result = Ready();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"--reason cannot tag {InstanceId} SparkNodeSetup", Assert.Single(Signals()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_set_up_that_failed_earlier_signals_its_reason_on_one_line()
    {
        var result = Ready(["--failed", "master set-up failed (exit 22) while downloading Spark;\nsee log"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["-e 1 --stack PotholeSparkPipeline --resource ClusterMasterABC --region ap-northeast-2 --reason master set-up failed (exit 22) while downloading Spark; see log"], Signals());
        Assert.False(File.Exists(Path.Combine(dir, "aws-calls")));
    }

    [Fact]
    public void The_master_creates_the_event_log_directory_when_nothing_is_there()
    {
        var result = Ready(eventLogs: true);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("s3api --region ap-northeast-2 put-object --bucket pothole-pipeline-data --key spark-events/", AwsCalls());
        Assert.Contains("s3api --region ap-northeast-2 head-object --bucket pothole-pipeline-data --key spark-events", AwsCalls());
    }

    [Fact]
    public void An_existing_event_log_directory_is_left_as_it_is()
    {
        File.WriteAllText(Path.Combine(dir, "listed"), "1\n");

        var result = Ready(eventLogs: true);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain(AwsCalls(), c => c.Contains("put-object", StringComparison.Ordinal));
    }

    [Fact]
    public void A_refused_HEAD_of_the_bare_event_log_key_fails_the_set_up_as_it_would_fail_every_Spark_start()
    {
        Stub("aws", $$"""
            #!/bin/bash
            printf '%s\n' "$*" >>'{{dir}}/aws-calls'
            case "$*" in
              *"s3api"*"list-objects-v2"*) echo 1 ;;
              *"s3api"*"head-object"*) echo 'An error occurred (403) when calling the HeadObject operation: Forbidden' >&2; exit 254 ;;
            esac
            """);

        var result = Ready(eventLogs: true);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("(403)", Assert.Single(Signals()), StringComparison.Ordinal);
        Assert.DoesNotContain(AwsCalls(), c => c.StartsWith("ec2 create-tags", StringComparison.Ordinal));
    }

    private (int ExitCode, string Output) Ready(string[]? args = null, bool eventLogs = false) =>
        Run(
            "bash",
            [Path.Combine(dir, "ready.sh"), .. args ?? []],
            new()
            {
                ["SPARK_HOME"] = Spark,
                ["SPARK_USER"] = "spark",
                ["S3_REGION"] = "ap-northeast-2",
                ["CFN_STACK"] = "PotholeSparkPipeline",
                ["CFN_RESOURCE"] = "ClusterMasterABC",
                ["SETUP_TAG_KEY"] = "SparkNodeSetup",
                ["SETUP_TAG_VALUE"] = "complete",
                ["EVENT_LOG_BUCKET"] = eventLogs ? "pothole-pipeline-data" : "",
                ["EVENT_LOG_PREFIX"] = eventLogs ? "spark-events/" : "",
            },
            Path.Combine(dir, "bin"));

    private List<string> Signals((int ExitCode, string Output)? _ = null) =>
        File.Exists(Path.Combine(dir, "signals")) ? [.. File.ReadAllLines(Path.Combine(dir, "signals"))] : [];

    private List<string> AwsCalls() =>
        File.Exists(Path.Combine(dir, "aws-calls")) ? [.. File.ReadAllLines(Path.Combine(dir, "aws-calls"))] : [];

    private void Stub(string name, string script) => Executable(Path.Combine(dir, "bin", name), script);

    private static void Executable(string path, string script)
    {
        File.WriteAllText(path, script.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
