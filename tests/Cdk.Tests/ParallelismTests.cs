using System.Text.Json.Nodes;
using Pipeline.Cdk.Settings;
using Pipeline.Cdk.Tests.Support;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk.Tests;

/// <summary>Parallelism follows the cluster: the executor cores a run asks for come from workerCount and the worker instance type.</summary>
public sealed class ParallelismTests
{
    [Theory]
    [InlineData(2, 4)]
    [InlineData(3, 6)]
    [InlineData(10, 20)]
    public void By_default_the_total_executor_cores_follow_the_workers(int workers, int total)
    {
        var synthesized = Synth.Stack(c => c.Pipeline()["workerCount"] = workers);

        Assert.Equal(total, DeployedTotal(synthesized));
    }

    [Fact]
    public void Bigger_workers_host_more_executors()
    {
        // m5.2xlarge: 8 vCPUs, 32 GiB: four executors of 2 cores and 4g each.
        var synthesized = Synth.Stack(c => c.Deployment()["workerInstanceType"] = "m5.2xlarge");

        Assert.Equal(2 * 4 * 2, DeployedTotal(synthesized));
    }

    [Fact]
    public void Memory_bounds_the_executors_per_worker_too()
    {
        // c5.2xlarge: 8 vCPUs but 16 GiB, of which 15 GiB for executors: three of 4g.
        var synthesized = Synth.Stack(c => c.Deployment()["workerInstanceType"] = "c5.2xlarge");

        Assert.Equal(2 * 3 * 2, DeployedTotal(synthesized));
    }

    [Fact]
    public void An_explicit_total_the_workers_can_host_is_kept()
    {
        var synthesized = Synth.Stack(c => c.Pipeline()["submit"]!["totalExecutorCores"] = 2);

        Assert.Equal(2, DeployedTotal(synthesized));
    }

    [Fact]
    public void An_explicit_total_the_workers_cannot_host_is_refused_naming_both_settings()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Pipeline()["submit"]!["totalExecutorCores"] = 12));

        var problem = Assert.Single(error.Problems);
        Assert.StartsWith("pipeline.submit.totalExecutorCores: 12 cores do not fit pipeline.workerCount 2 worker(s) of deployment.workerInstanceType \"t3.large\" (at most 4", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_executor_bigger_than_a_worker_is_refused_instead_of_waiting_for_ever()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Pipeline()["submit"]!["executorMemory"] = "8g"));

        Assert.StartsWith("pipeline.submit.executorCores/executorMemory: an executor of 2 cores and 8g fits no worker: deployment.workerInstanceType \"t3.large\" offers 2 cores and 7168 MiB", Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Following_the_workers_of_an_unknown_instance_type_is_refused_naming_the_settings()
    {
        var error = Assert.Throws<SettingsException>(() => Synth.Settings(c => c.Deployment()["workerInstanceType"] = "x2idn.16xlarge"));

        Assert.StartsWith("pipeline.submit.totalExecutorCores: 0 (follow the workers) needs the vCPUs and memory of deployment.workerInstanceType \"x2idn.16xlarge\"", Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_instance_type_with_an_explicit_total_is_taken_as_given()
    {
        var settings = Synth.Settings(c =>
        {
            c.Deployment()["workerInstanceType"] = "x2idn.16xlarge";
            c.Pipeline()["submit"]!["totalExecutorCores"] = 32;
        });

        Assert.Equal(32, settings.Pipeline.Submit.TotalExecutorCores);
    }

    [Theory]
    [InlineData("t3.large", 2, 8192)]
    [InlineData("t3.medium", 2, 4096)]
    [InlineData("m5.xlarge", 4, 16384)]
    [InlineData("c6i.4xlarge", 16, 32768)]
    [InlineData("r7i.large", 2, 16384)]
    public void Worker_capacity_of_known_types(string type, int vcpus, int memoryMiB)
    {
        Assert.Equal((vcpus, memoryMiB), WorkerCapacity.Of(type));
    }

    /// <summary>What the functions get: the number in PIPELINE_SETTINGS, which spark-submit's --total-executor-cores carries.</summary>
    private static int DeployedTotal(Synthesized s)
    {
        var function = s.PipelineFunctions().First().Resource;
        var settings = JsonNode.Parse(function["Properties"]!["Environment"]!["Variables"]!["PIPELINE_SETTINGS"]!.GetValue<string>())!;
        return settings["submit"]!["totalExecutorCores"]!.GetValue<int>();
    }
}
