using Pipeline.Functions.Domain;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Domain;

public sealed class SettingsValidatorTests
{
    private static readonly PipelineSettings Good = PipelineSettings.PotholePipeline;
    private static StageSpec Stage => Good.Stages[0];

    [Fact]
    public void The_built_in_pothole_pipeline_is_valid() => Assert.Empty(SettingsValidator.Validate(Good));

    [Fact]
    public void Settings_survive_a_json_round_trip() =>
        Assert.Equal(SettingsJson.Write(Good), SettingsJson.Write(SettingsJson.Parse(SettingsJson.Write(Good))));

    public static TheoryData<string, PipelineSettings> BadSettings => new()
    {
        { "clusterName", Good with { ClusterName = "Pothole Spark" } },
        { "bucket", Good with { Bucket = "My_Bucket" } },
        { "bucket", Good with { Bucket = "a..b" } },
        { "inputPrefix", Good with { InputPrefix = "raw-sensor-data/" } },
        { "inputPrefix", Good with { InputPrefix = "/raw/dt={ds}/" } },
        { "inputPrefix", Good with { InputPrefix = "raw/../dt={ds}/" } },
        { "inputPrefix", Good with { InputPrefix = "raw/dt={date}/" } },
        { "codePrefix", Good with { CodePrefix = "code" } },
        { "timeZone", Good with { TimeZone = "Mars/Olympus" } },
        { "workerCount", Good with { WorkerCount = 0 } },
        { "sparkHome", Good with { SparkHome = "opt/spark" } },
        { "sparkHome", Good with { SparkHome = "/opt/$(id)" } },
        { "sparkUser", Good with { SparkUser = "root;id" } },
        { "lockTable", Good with { LockTable = "x" } },
        { "poll.maxSeconds", Good with { Poll = new PollSettings { InitialSeconds = 60, MaxSeconds = 30 } } },
        { "submit.executorMemory", Good with { Submit = new SubmitSettings { ExecutorMemory = "4 GB" } } },
        { "submit.conf key", Good with { Submit = new SubmitSettings { Conf = new Dictionary<string, string> { ["hadoop.x"] = "1" } } } },
        { "stages", Good with { Stages = [] } },
        { "stages[0].name", Good with { Stages = [Stage with { Name = "stage 1" }] } },
        { "stages[1].name", Good with { Stages = [Stage, Stage] } },
        { "stages[0].script", Good with { Stages = [Stage with { Script = "../etc/passwd.py" }] } },
        { "stages[0].script", Good with { Stages = [Stage with { Script = "/abs/job.py" }] } },
        { "stages[0].script", Good with { Stages = [Stage with { Script = "-rf.py" }] } },
        { "stages[0].script", Good with { Stages = [Stage with { Script = "job.sh" }] } },
        { "stages[0].pyFiles[0]", Good with { Stages = [Stage with { PyFiles = ["lib/../../x.py"] }] } },
        { "stages[0].args[0]", Good with { Stages = [Stage with { Args = ["{yesterday}"] }] } },
        { "stages[0].args[0]", Good with { Stages = [Stage with { Args = ["a\nb"] }] } },
        { "stages[0].outputPrefix", Good with { Stages = [Stage with { OutputPrefix = "out/" }] } },
        { "stages[0].timeoutMinutes", Good with { Stages = [Stage with { TimeoutMinutes = 0 }] } },
        { "stages[0].expectedMinutes", Good with { Stages = [Stage with { ExpectedMinutes = 60 }] } },
        { "stages[0].expectedMinutes", Good with { Stages = [Stage with { ExpectedMinutes = -1 }] } },
        { "maxRunMinutes", Good with { MaxRunMinutes = 60 } },
        { "lockLeaseSeconds", Good with { LockLeaseSeconds = 60 } },
        { "lockLeaseSeconds", Good with { LockLeaseSeconds = 500 } },
        { "functionTimeoutSeconds", Good with { FunctionTimeoutSeconds = 5 } },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Every_problem_names_its_setting(string field, PipelineSettings settings)
    {
        var problems = SettingsValidator.Validate(settings);
        Assert.Contains(problems, p => p.StartsWith(field, StringComparison.Ordinal));
        var e = Expect.Error(ErrorNames.InvalidSettings, () => SettingsValidator.EnsureValid(settings));
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var problems = SettingsValidator.Validate(Good with { ClusterName = "", Bucket = "", WorkerCount = -1 });
        Assert.Equal(3, problems.Count);
    }

    [Theory]
    [InlineData("""{"clusterNme":"x"}""")]
    [InlineData("""{"workerCount":"two"}""")]
    [InlineData("""[1]""")]
    [InlineData("""{""")]
    public void Unreadable_settings_json_is_InvalidSettings(string json) =>
        Expect.Error(ErrorNames.InvalidSettings, () => SettingsJson.Parse(json));

    [Fact]
    public void Omitted_settings_take_the_pothole_defaults()
    {
        var settings = SettingsJson.Parse("""{"bucket":"my-data","workerCount":4}""");
        Assert.Equal("my-data", settings.Bucket);
        Assert.Equal(4, settings.WorkerCount);
        Assert.Equal(2, settings.Stages.Count);
        Assert.Empty(SettingsValidator.Validate(settings));
    }
}
