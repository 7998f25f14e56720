using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Handlers;

/// <summary>A step that is a shell command on tagged nodes (e.g. loading results into PostgreSQL on a serving host).</summary>
public sealed class CommandStepTests
{
    private static readonly StageSpec LoadStep = new()
    {
        Name = "load_serving_db",
        Kind = StageSpec.CommandKind,
        Command = ["/opt/serving/load-day.sh", "--date", "{ds}", "--from", "s3://{bucket}/stage2_spatial_clustering/dt={ds}/"],
        TargetRole = "serving",
        OutputPrefix = "",
        TimeoutMinutes = 20,
    };

    private static readonly PipelineSettings Settings = PipelineSettings.PotholePipeline with { Stages = [.. PipelineSettings.PotholePipeline.Stages, LoadStep] };
    private readonly FixedClock clock = FixedClock.At("2026-02-13T01:00:00Z");
    private readonly HeldLock held = Locks.Held();

    private readonly FakeFleet fleet = FakeFleet.Cluster("running");
    private readonly FakeCommandRunner runner = new();

    [Fact]
    public void A_command_step_is_valid_settings() => Assert.Empty(SettingsValidator.Validate(Settings));

    [Fact]
    public async Task It_runs_its_command_on_the_running_nodes_of_its_role_with_its_time_limit()
    {
        fleet.Tagged.Add(("i-00000000000000005", "serving", "running"));
        fleet.Tagged.Add(("i-00000000000000006", "serving", "stopped"));
        var result = await new SubmitStage(Settings, clock, fleet, runner, held.Lock).HandleAsync(new StageInput("2026-02-12", "load_serving_db", held.Ref), CancellationToken.None);
        var (_, request) = Assert.Single(runner.Sent);
        Assert.Equal(["i-00000000000000005"], request.InstanceIds);
        Assert.Equal(20 * 60, request.ExecutionTimeoutSeconds);
        Assert.Contains("'/opt/serving/load-day.sh' '--date' '2026-02-12' '--from' 's3://pothole-pipeline-data/stage2_spatial_clustering/dt=2026-02-12/'", request.Script, StringComparison.Ordinal);
        Assert.Equal("load_serving_db", result.Commands[0].Purpose);
    }

    [Fact]
    public async Task Without_a_running_node_of_its_role_it_is_NodesMissing()
    {
        var e = await Expect.Error(ErrorNames.NodesMissing, () => new SubmitStage(Settings, clock, fleet, runner, held.Lock).HandleAsync(new StageInput("2026-02-12", "load_serving_db", held.Ref), CancellationToken.None));
        Assert.Contains("SparkRole=serving", e.Message, StringComparison.Ordinal);
        Assert.Empty(runner.Sent);
    }

    [Fact]
    public async Task Without_an_output_prefix_there_is_nothing_to_verify()
    {
        var report = await new VerifyOutput(Settings, clock, new InMemoryObjectStore()).HandleAsync(new StageInput("2026-02-12", "load_serving_db"), CancellationToken.None);
        Assert.Equal("", report.Prefix);
    }

    [Theory]
    [InlineData("command")]
    [InlineData("command[0]")]
    [InlineData("targetRole")]
    [InlineData("kind")]
    [InlineData("script")]
    public void Malformed_command_steps_are_named(string field)
    {
        var bad = field switch
        {
            "command" => LoadStep with { Command = [] },
            "command[0]" => LoadStep with { Command = ["../bin/sh", "-c", "x"] },
            "targetRole" => LoadStep with { TargetRole = "Serving Host" },
            "kind" => LoadStep with { Kind = "shell" },
            _ => LoadStep with { Script = "job.py" },
        };
        var problems = SettingsValidator.Validate(Settings with { Stages = [.. PipelineSettings.PotholePipeline.Stages, bad] });
        Assert.Contains(problems, p => p.Contains(field, StringComparison.Ordinal));
    }
}
