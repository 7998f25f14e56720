using System.Text.Json.Nodes;
using Pipeline.Cdk.Settings;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

/// <summary>A bad or missing value stops the synth with a message naming the setting and the expected form.</summary>
public sealed class SettingsValidationTests
{
    [Fact]
    public void The_shipped_cdk_json_is_valid()
    {
        var settings = Synth.Settings();

        Assert.Equal("pothole-spark", settings.Pipeline.ClusterName);
        Assert.Equal("ap-northeast-2", settings.Deployment.Region);
    }

    [Fact]
    public void The_shipped_cdk_json_sends_command_output_to_a_log_group()
    {
        Assert.Equal("/pothole-spark/commands", Synth.Settings().Pipeline.CommandLogGroup);
    }

    [Theory]
    [InlineData("scheduleCron", "\"0 10 * * *\"", "deployment.scheduleCron: expected an EventBridge Scheduler cron")]
    [InlineData("scheduleCron", "\"cron(0 10 * * * *)\"", "'?' in exactly one of day-of-month and day-of-week")]
    [InlineData("workerInstanceType", "\"m7g.large\"", "deployment.workerInstanceType: expected an x86_64 EC2 instance type")]
    [InlineData("masterInstanceType", "\"t4g.medium\"", "deployment.masterInstanceType: expected an x86_64 EC2 instance type")]
    [InlineData("region", "\"Seoul\"", "deployment.region: expected an AWS region such as \"ap-northeast-2\", got \"Seoul\"")]
    [InlineData("availabilityZone", "\"us-east-1a\"", "deployment.availabilityZone: expected a zone of region ap-northeast-2")]
    [InlineData("account", "\"1234\"", "deployment.account: expected a 12-digit AWS account id")]
    [InlineData("vpcCidr", "\"8.8.0.0/16\"", "deployment.vpcCidr: expected a private (RFC 1918")]
    [InlineData("sparkVersion", "\"latest\"", "deployment.sparkVersion: expected a Spark release such as \"3.5.7\"")]
    [InlineData("sparkDownloadUrl", "\"ftp://example.org/spark.tgz\"", "deployment.sparkDownloadUrl: expected an https:// or s3:// address")]
    [InlineData("alertEmail", "\"ops-at-example\"", "deployment.alertEmail: expected an e-mail address")]
    [InlineData("logRetentionDays", "31", "deployment.logRetentionDays: expected one of 1, 3, 5, 7, 14, 30")]
    [InlineData("rootVolumeGiB", "8", "deployment.rootVolumeGiB: expected a whole number from 20 to 1024, got 8")]
    [InlineData("createBucket", "\"yes\"", "deployment.createBucket: expected true or false, got \"yes\"")]
    [InlineData("sweepMinutes", "3", "deployment.sweepMinutes: expected 0 (no sweeper) or a whole number of minutes from 5 to 1440, got 3")]
    [InlineData("sweepMinutes", "1441", "deployment.sweepMinutes: expected 0 (no sweeper) or a whole number of minutes from 5 to 1440, got 1441")]
    [InlineData("sweepMinutes", "-15", "deployment.sweepMinutes: expected 0 (no sweeper) or a whole number of minutes from 5 to 1440, got -15")]
    [InlineData("sweepMinutes", "7.5", "deployment.sweepMinutes: expected 0 (no sweeper)")]
    [InlineData("pythonPackages", "[\"pyarrow; rm -rf /\"]", "deployment.pythonPackages[0]: expected a pip requirement")]
    public void A_bad_deployment_value_is_named_with_its_expected_form(string name, string json, string expected)
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Deployment()[name] = JsonNode.Parse(json)));

        Assert.Contains(error.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_shipped_cdk_json_sweeps_every_15_minutes()
    {
        Assert.Equal(15, Synth.Settings().Deployment.SweepMinutes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(1440)]
    public void A_sweep_interval_of_0_or_5_to_1440_minutes_is_accepted(int minutes)
    {
        Assert.Equal(minutes, Synth.Settings(c => c.Deployment()["sweepMinutes"] = minutes).Deployment.SweepMinutes);
    }

    [Fact]
    public void A_missing_sweep_interval_is_named()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Deployment().Remove("sweepMinutes")));

        Assert.Contains(error.Problems, p => p.StartsWith("deployment.sweepMinutes: missing", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("inputPrefix", "runs/dt={ds}/")]
    [InlineData("codePrefix", "runs/")]
    public void Input_or_code_under_the_run_records_is_an_error(string name, string value)
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Pipeline()[name] = value));

        Assert.Contains(error.Problems, p => p.StartsWith($"pipeline.{name}: ", StringComparison.Ordinal) && p.Contains("overlaps the run records under \"runs/\"", StringComparison.Ordinal));
    }

    [Fact]
    public void A_stage_output_under_the_run_records_is_an_error()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Pipeline()["stages"]![1]!["outputPrefix"] = "runs/stage2/dt={ds}/"));

        Assert.Contains(error.Problems, p => p.StartsWith("pipeline.stages[1].outputPrefix: ", StringComparison.Ordinal) && p.Contains("overlaps the run records", StringComparison.Ordinal));
    }

    [Fact]
    public void Event_logs_in_another_bucket_are_an_error()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Pipeline()["submit"]!["conf"]!["spark.eventLog.dir"] = "s3a://somewhere-else/spark-events/"));

        Assert.Contains(error.Problems, p => p.StartsWith("pipeline.submit.conf[\"spark.eventLog.dir\"]: the nodes may write only the data bucket", StringComparison.Ordinal));
    }

    [Fact]
    public void A_command_step_without_an_output_prefix_is_accepted()
    {
        var settings = Synth.Settings(IamTests.WithServingCommandStep);

        Assert.Equal("serving", settings.Pipeline.Stages[^1].TargetRole);
    }

    [Fact]
    public void A_command_step_naming_a_code_file_that_is_not_deployed_is_an_error()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c =>
        {
            IamTests.WithServingCommandStep(c);
            c.Pipeline()["stages"]![2]!["command"]![4] = "s3://{bucket}/code/no_such_loader.py";
        }));

        Assert.Contains(error.Problems, p => p.StartsWith("pipeline.stages[2].command[4]: \"s3://{bucket}/code/no_such_loader.py\" names a file under the code prefix", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_deployment_value_is_named()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Deployment().Remove("workerInstanceType")));

        Assert.Contains(error.Problems, p => p.StartsWith("deployment.workerInstanceType: missing; expected an x86_64 EC2 instance type", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_deployment_name_is_an_error()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Deployment()["workerInstanceTyp"] = "t3.large"));

        Assert.Contains(error.Problems, p => p.StartsWith("deployment.workerInstanceTyp: unknown setting", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_deployment_object_is_an_error()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Remove(AppSettings.DeploymentKey)));

        Assert.Contains(error.Problems, p => p.StartsWith("deployment: expected a JSON object", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("workerCount", "0", "pipeline.workerCount: expected a whole number from 1 to 100, got 0")]
    [InlineData("timeZone", "\"Seoul\"", "pipeline.timeZone: expected an IANA time zone")]
    [InlineData("bucket", "\"Bad_Bucket\"", "pipeline.bucket: expected an S3 bucket name")]
    [InlineData("inputPrefix", "\"raw-sensor-data/\"", "pipeline.inputPrefix: must contain {ds} or {ds_nodash}")]
    public void A_bad_pipeline_value_is_named_by_the_shared_validator(string name, string json, string expected)
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Pipeline()[name] = JsonNode.Parse(json)));

        Assert.Contains(error.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_pipeline_value_is_named_with_an_example()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Pipeline().Remove("workerCount")));

        Assert.Contains("pipeline.workerCount: missing; write it out in cdk.json, for example \"workerCount\": 2", error.Problems);
    }

    [Fact]
    public void A_missing_stage_value_is_named_with_its_index()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Pipeline()["stages"]![1]!.AsObject().Remove("timeoutMinutes")));

        Assert.Contains(error.Problems, p => p.StartsWith("pipeline.stages[1].timeoutMinutes: missing", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_pipeline_name_is_an_error()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Pipeline()["workers"] = 3));

        Assert.Contains(error.Problems, p => p.StartsWith("pipeline.workers: unknown setting; known: clusterName, bucket,", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c =>
        {
            c.Pipeline()["workerCount"] = 0;
            c.Deployment()["scheduleCron"] = "daily";
            c.Deployment()["alertEmail"] = "nobody";
        }));

        Assert.Equal(3, error.Problems.Count);
    }

    [Fact]
    public void The_S3A_region_must_be_the_deployment_region()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Deployment()["region"] = "us-east-1"));

        Assert.Contains(error.Problems, p => p.StartsWith("pipeline.submit.conf[\"spark.hadoop.fs.s3a.endpoint.region\"]: expected the deployment region \"us-east-1\"", StringComparison.Ordinal));
    }

    [Fact]
    public void A_functions_asset_without_bootstrap_is_an_error()
    {
        var empty = Directory.CreateTempSubdirectory("no-bootstrap-").FullName;

        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c[AppSettings.FunctionsAssetKey] = empty));

        Assert.Contains(error.Problems, p => p.StartsWith("functionsAsset: expected a directory holding the published Lambda `bootstrap`", StringComparison.Ordinal));
    }

    [Fact]
    public void Settings_too_large_for_a_Lambda_environment_are_an_error()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c =>
        {
            var stages = c.Pipeline()["stages"]!.AsArray();
            for (var i = 0; i < 15; i++)
            {
                var stage = stages[0]!.DeepClone().AsObject();
                stage["name"] = $"extra{i}";
                stages.Add(stage);
            }

            c.Pipeline()["maxRunMinutes"] = 1440;
        }));

        Assert.Contains(error.Problems, p => p.Contains("fit in a Lambda environment variable", StringComparison.Ordinal));
    }
}
