using System.Text.Json.Nodes;
using Pipeline.Cdk.Settings;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

/// <summary>The stage code of jobs/ goes to s3://bucket/codePrefix with the stack, by a deployment that can touch nothing else.</summary>
public sealed class StageCodeTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void The_stage_code_is_the_top_level_python_and_the_reference_csv_of_jobs()
    {
        Assert.Equal(
            ["pothole_common.py", "reference/road_segments.csv", "sample_data.py", "stage1_anomaly_detection.py", "stage2_spatial_clustering.py"],
            StageCodeFiles.Select(Repo.Jobs));
    }

    [Fact]
    public void Tests_caches_readmes_and_other_files_stay_behind()
    {
        var jobs = Directory.CreateTempSubdirectory("jobs-").FullName;
        foreach (var file in new[]
        {
            "stage.py", "README.md", "notes.txt", ".hidden.py", "tests/test_stage.py", "tests/__init__.py", "__pycache__/stage.cpython-312.pyc",
            "reference/roads.csv", "reference/roads.json", "reference/deeper/more.csv", "lib/helper.py",
        })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(jobs, file))!);
            File.WriteAllText(Path.Combine(jobs, file), "x");
        }

        Assert.Equal(["reference/roads.csv", "stage.py"], StageCodeFiles.Select(jobs));
    }

    [Fact]
    public void The_uploaded_asset_holds_exactly_the_selected_files()
    {
        var key = Deployment()["SourceObjectKeys"]![0]!.GetValue<string>();
        var asset = Path.Combine(Default.OutDir, "asset." + Path.GetFileNameWithoutExtension(key));
        var files = Directory.GetFiles(asset, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(asset, f).Replace('\\', '/')).Order(StringComparer.Ordinal);

        Assert.Equal(StageCodeFiles.Select(Repo.Jobs), files);
    }

    [Fact]
    public void The_code_goes_to_the_code_prefix_of_the_data_bucket()
    {
        var bucketId = Assert.Single(Default.Resources("AWS::S3::Bucket")).Id;

        Assert.Equal("code/", Deployment()["DestinationBucketKeyPrefix"]!.GetValue<string>());
        Assert.Equal(bucketId, Deployment()["DestinationBucketName"]!["Ref"]!.GetValue<string>());
    }

    [Fact]
    public void A_deploy_replaces_what_was_under_the_code_prefix()
    {
        Assert.True(Deployment()["Prune"]!.GetValue<bool>());
    }

    [Fact]
    public void Deleting_the_stack_deletes_no_code()
    {
        Assert.True(Deployment()["RetainOnDelete"]!.GetValue<bool>());
    }

    [Fact]
    public void The_deployment_may_delete_only_under_the_code_prefix()
    {
        var deleting = Default.StatementsOfRole(RoleId()).Where(s => s.Actions.Any(a => a.StartsWith("s3:Delete", StringComparison.Ordinal)));

        Assert.All(deleting, s => Assert.Equal(["/code/*"], ObjectSuffixes(s)));
        Assert.NotEmpty(deleting);
    }

    [Fact]
    public void The_deployment_may_list_only_the_code_prefix()
    {
        var list = Assert.Single(Default.StatementsOfRole(RoleId()), s => s.Actions.Contains("s3:ListBucket"));

        Assert.Equal("""{"StringLike":{"s3:prefix":["code/*"]}}""", list.Condition!.ToJsonString());
    }

    [Fact]
    public void The_deployment_may_read_only_its_own_asset()
    {
        var read = Assert.Single(Default.StatementsOfRole(RoleId()), s => s.Actions.Contains("s3:GetObject"));
        var key = Deployment()["SourceObjectKeys"]![0]!.GetValue<string>();

        Assert.Equal(["s3:GetObject"], read.Actions);
        Assert.EndsWith($"/{key}", Synthesized.Text(Assert.Single(read.Resources)!), StringComparison.Ordinal);
    }

    [Fact]
    public void The_deployment_role_has_only_its_four_statements()
    {
        var statements = Default.StatementsOfRole(RoleId()).Select(s => $"{s.Sid}: {string.Join(' ', s.Actions.Order())}").Order();

        Assert.Equal(
            [
                "ListCodePrefix: s3:ListBucket",
                "OwnLogs: logs:CreateLogStream logs:PutLogEvents",
                "ReadCodeAsset: s3:GetObject",
                "WriteCodePrefix: s3:AbortMultipartUpload s3:DeleteObject s3:PutObject",
            ],
            statements);
        Assert.Null(Default.Resource(RoleId())["Properties"]!["ManagedPolicyArns"]);
    }

    [Fact]
    public void The_deployment_adds_nothing_to_the_bucket_policy()
    {
        var policy = Assert.Single(Default.Resources("AWS::S3::BucketPolicy")).Resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray();

        Assert.All(policy, s => Assert.Equal("Deny", s!["Effect"]!.GetValue<string>()));
    }

    [Fact]
    public void The_deployment_runs_only_once_its_permissions_exist()
    {
        var policyId = Default.Resources("AWS::IAM::Policy").Single(p => p.Resource["Properties"]!["Roles"]![0]!["Ref"]!.GetValue<string>() == RoleId()).Id;
        var resource = Assert.Single(Default.Resources("Custom::CDKBucketDeployment")).Resource;

        Assert.Contains(policyId, resource["DependsOn"]!.AsArray().Select(d => d!.GetValue<string>()));
    }

    [Fact]
    public void The_deployment_function_logs_to_its_own_group_with_retention()
    {
        var group = Default.Resource(Function()["Properties"]!["LoggingConfig"]!["LogGroup"]!["Ref"]!.GetValue<string>())["Properties"]!;

        Assert.Equal("/pothole-spark/stage-code-deployment", group["LogGroupName"]!.GetValue<string>());
        Assert.Equal(30, group["RetentionInDays"]!.GetValue<int>());
    }

    [Fact]
    public void The_deployment_function_runs_on_a_python_Lambda_still_accepts()
    {
        Assert.Equal("python3.12", Function()["Properties"]!["Runtime"]!.GetValue<string>());
    }

    [Fact]
    public void The_only_function_besides_the_handlers_is_the_code_deployment()
    {
        var others = Default.Resources("AWS::Lambda::Function").Select(f => f.Id).Except(Default.PipelineFunctions().Select(f => f.Id));

        Assert.Equal([FunctionId()], others);
    }

    [Fact]
    public void An_existing_bucket_gets_the_code_under_the_code_prefix_too()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["createBucket"] = false);
        var deployment = Assert.Single(synthesized.Resources("Custom::CDKBucketDeployment")).Resource["Properties"]!;

        Assert.Equal(("pothole-pipeline-data", "code/"), (deployment["DestinationBucketName"]!.GetValue<string>(), deployment["DestinationBucketKeyPrefix"]!.GetValue<string>()));
    }

    [Fact]
    public void A_stage_script_missing_from_the_stage_code_stops_the_synth()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Pipeline()["stages"]![0]!["script"] = "stage0_missing.py"));

        Assert.Contains(error.Problems, p => p.StartsWith("pipeline.stages[0].script: \"stage0_missing.py\" is not among the files deployed from", StringComparison.Ordinal));
    }

    [Fact]
    public void A_code_prefix_file_argument_missing_from_the_stage_code_stops_the_synth()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Pipeline()["stages"]![1]!["args"]![7] = "s3a://{bucket}/code/reference/missing.csv"));

        Assert.Contains(error.Problems, p => p.StartsWith("pipeline.stages[1].args[7]: \"s3a://{bucket}/code/reference/missing.csv\" names a file under the code prefix", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("raw-sensor-data/", "pipeline.inputPrefix")]
    [InlineData("raw-sensor-data/dt=2/", "pipeline.inputPrefix")]
    [InlineData("stage1_anomaly_detected/", "pipeline.stages[0].outputPrefix")]
    public void A_code_prefix_that_holds_pipeline_data_stops_the_synth(string codePrefix, string overlapped)
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c =>
        {
            c.Pipeline()["codePrefix"] = codePrefix;
            foreach (var stage in c.Pipeline()["stages"]!.AsArray())
            {
                var args = stage!["args"]!.AsArray();
                for (var i = 0; i < args.Count; i++)
                {
                    args[i] = args[i]!.GetValue<string>().Replace("/code/", "/" + codePrefix, StringComparison.Ordinal);
                }
            }
        }));

        Assert.Contains(error.Problems, p => p.StartsWith($"pipeline.codePrefix: \"{codePrefix}\" overlaps {overlapped}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("code/", "raw-sensor-data/dt={ds}/", false)]
    [InlineData("raw-sensor-data/", "raw-sensor-data/dt={ds}/", true)]
    [InlineData("raw-sensor-data/dt=x/", "raw-sensor-data/dt={ds}/", false)]
    [InlineData("raw-sensor-data/dt=2/", "raw-sensor-data/dt={ds}/", true)]
    [InlineData("raw/", "raw-sensor-data/dt={ds}/", false)]
    [InlineData("code/", "{ds}/input/", false)]
    [InlineData("2026/", "{ds_nodash}/input/", true)]
    [InlineData("pothole-pipeline-data/", "{bucket}/{ds}/", true)]
    public void Overlap_is_decided_by_what_keys_a_template_can_produce(string folder, string template, bool overlaps)
    {
        Assert.Equal(overlaps, new BucketPrefixes(Pipeline.Functions.Domain.PipelineSettings.PotholePipeline).MayOverlap(folder, template));
    }

    private static JsonNode Deployment() => Assert.Single(Default.Resources("Custom::CDKBucketDeployment")).Resource["Properties"]!;

    private static string FunctionId() => Deployment()["ServiceToken"]!["Fn::GetAtt"]![0]!.GetValue<string>();

    private static JsonObject Function() => Default.Resource(FunctionId());

    private static string RoleId() => Function()["Properties"]!["Role"]!["Fn::GetAtt"]![0]!.GetValue<string>();

    private static IEnumerable<string> ObjectSuffixes(Statement statement) =>
        statement.Resources.Select(r => r!["Fn::Join"]![1]![1]!.GetValue<string>());
}
