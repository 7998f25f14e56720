using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

public sealed class FunctionTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void There_is_one_function_per_handler()
    {
        var names = Default.PipelineFunctions().Select(f => f.Resource["Properties"]!["FunctionName"]!.GetValue<string>());

        Assert.Equal(LambdaHandlers.Names.Select(h => $"pothole-spark-{h}").Order(), names.Order());
    }

    [Fact]
    public void Each_function_runs_its_handler_from_the_AOT_bootstrap_on_provided_al2023_x86_64()
    {
        Assert.All(Default.PipelineFunctions(), f =>
        {
            var p = f.Resource["Properties"]!;
            Assert.Equal($"pothole-spark-{p["Handler"]!.GetValue<string>()}", p["FunctionName"]!.GetValue<string>());
            Assert.Equal("provided.al2023", p["Runtime"]!.GetValue<string>());
            Assert.Equal("[\"x86_64\"]", p["Architectures"]!.ToJsonString());
        });
    }

    [Fact]
    public void Functions_get_small_memory_and_a_timeout_from_the_settings()
    {
        Assert.All(Default.PipelineFunctions(), f =>
        {
            Assert.Equal(256, f.Resource["Properties"]!["MemorySize"]!.GetValue<int>());
            Assert.Equal(60, f.Resource["Properties"]!["Timeout"]!.GetValue<int>());
        });
    }

    [Fact]
    public void Each_function_logs_to_its_own_group_with_retention()
    {
        Assert.All(Default.PipelineFunctions(), f =>
        {
            var groupId = f.Resource["Properties"]!["LoggingConfig"]!["LogGroup"]!["Ref"]!.GetValue<string>();
            var group = Default.Resource(groupId)["Properties"]!;
            Assert.Equal($"/aws/lambda/{f.Resource["Properties"]!["FunctionName"]!.GetValue<string>()}", group["LogGroupName"]!.GetValue<string>());
            Assert.Equal(30, group["RetentionInDays"]!.GetValue<int>());
        });
    }

    [Fact]
    public void All_functions_share_one_code_asset()
    {
        var keys = Default.PipelineFunctions().Select(f => f.Resource["Properties"]!["Code"]!["S3Key"]!.ToJsonString()).Distinct();

        Assert.Single(keys);
    }

    [Fact]
    public void The_code_asset_holds_bootstrap_but_not_its_debug_symbols()
    {
        var key = Default.PipelineFunctions().Select(f => f.Resource["Properties"]!["Code"]!["S3Key"]!.GetValue<string>()).Distinct().Single();
        var asset = Path.Combine(Default.OutDir, "asset." + Path.GetFileNameWithoutExtension(key));

        Assert.Equal(["bootstrap"], Directory.GetFiles(asset).Select(Path.GetFileName));
    }
}
