using Pipeline.Cdk.Settings;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk.Tests;

public sealed class BucketPrefixesTests
{
    private static readonly BucketPrefixes Prefixes = new(PipelineSettings.PotholePipeline);

    [Theory]
    [InlineData("raw-sensor-data/dt={ds}/", "raw-sensor-data/dt=*/*")]
    [InlineData("out/{ds_nodash}/part/", "out/*/part/*")]
    [InlineData("{bucket}/x/{ds}/", "pothole-pipeline-data/x/*/*")]
    public void A_listing_pattern_matches_any_day(string template, string pattern) => Assert.Equal(pattern, Prefixes.ListPattern(template));

    [Theory]
    [InlineData("stage1_anomaly_detected/dt={ds}/", "stage1_anomaly_detected/")]
    [InlineData("a/b/{ds}/", "a/b/")]
    [InlineData("{ds}/out/", "")]
    [InlineData("code/", "code/")]
    public void A_folder_is_the_fixed_part_before_the_first_placeholder(string template, string folder) => Assert.Equal(folder, Prefixes.Folder(template));

    [Fact]
    public void Nodes_read_code_input_and_stage_outputs()
    {
        Assert.Equal(["code/", "raw-sensor-data/", "stage1_anomaly_detected/", "stage2_spatial_clustering/"], Prefixes.NodeReadFolders);
    }

    [Fact]
    public void Nodes_write_only_stage_outputs()
    {
        Assert.Equal(["stage1_anomaly_detected/", "stage2_spatial_clustering/"], Prefixes.NodeWriteFolders);
    }
}
