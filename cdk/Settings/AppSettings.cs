using System.Text;
using System.Text.Json;
using Constructs;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk.Settings;

/// <summary>A bad cdk.json stops the synth with every problem listed, each naming the setting and the form it expects.</summary>
public sealed class SettingsException(IReadOnlyList<string> problems, string heading = "cdk.json settings are not valid:")
    : Exception(heading + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Everything the synth reads from context: the pipeline settings, the deployment settings and where the built pieces are.</summary>
public sealed record AppSettings(PipelineSettings Pipeline, DeploymentSettings Deployment, string FunctionsAsset, string StateMachineDirectory)
{
    public const string PipelineKey = "pipeline";
    public const string DeploymentKey = "deployment";
    public const string FunctionsAssetKey = "functionsAsset";
    public const string StateMachineDirectoryKey = "stateMachineDirectory";

    /// <summary>Lambda allows 4 KB of environment variables per function; PIPELINE_SETTINGS must fit with room to spare.</summary>
    public const int MaxSettingsBytes = 3800;

    public const string S3RegionProperty = "spark.hadoop.fs.s3a.endpoint.region";

    public string SettingsJsonText => SettingsJson.Write(Pipeline);

    public static AppSettings FromContext(Node node)
    {
        var problems = new List<string>();
        var pipeline = PipelineSettingsReader.Read(ContextJson(node, PipelineKey), problems);
        var deployment = DeploymentReader.Read(ContextJson(node, DeploymentKey), problems);
        var functionsAsset = Path.GetFullPath(ContextString(node, FunctionsAssetKey) ?? "artifacts/functions");
        var stateMachineDirectory = Path.GetFullPath(ContextString(node, StateMachineDirectoryKey) ?? "statemachine");

        if (pipeline is not null)
        {
            CheckAgainstDeployment(pipeline, deployment, problems);
        }

        if (!File.Exists(Path.Combine(functionsAsset, "bootstrap")))
        {
            problems.Add($"{FunctionsAssetKey}: expected a directory holding the published Lambda `bootstrap`, but {functionsAsset}/bootstrap does not exist; run `dotnet publish src/Functions -c Release -r linux-x64 -o artifacts/functions` (cdk/synth.sh does)");
        }

        foreach (var file in StateMachineFiles.All)
        {
            if (!File.Exists(Path.Combine(stateMachineDirectory, file)))
            {
                problems.Add($"{StateMachineDirectoryKey}: expected {file} in {stateMachineDirectory}");
            }
        }

        if (problems.Count > 0)
        {
            throw new SettingsException(problems);
        }

        return new AppSettings(pipeline!, deployment, functionsAsset, stateMachineDirectory);
    }

    private static void CheckAgainstDeployment(PipelineSettings pipeline, DeploymentSettings deployment, List<string> problems)
    {
        if (pipeline.Submit?.Conf is { } conf && conf.TryGetValue(S3RegionProperty, out var s3Region) && deployment.Region.Length > 0 && s3Region != deployment.Region)
        {
            problems.Add($"pipeline.submit.conf[\"{S3RegionProperty}\"]: expected the deployment region \"{deployment.Region}\" (the bucket lives there), got \"{s3Region}\"");
        }

        var size = Encoding.UTF8.GetByteCount(SettingsJson.Write(pipeline));
        if (size > MaxSettingsBytes)
        {
            problems.Add($"pipeline: written as JSON the settings take {size} bytes, more than the {MaxSettingsBytes} that fit in a Lambda environment variable; shorten the stage lists or conf");
        }
    }

    private static JsonElement ContextJson(Node node, string key)
    {
        var value = node.TryGetContext(key);
        // jsii hands context over as dictionaries, arrays and doubles; JSON text is what the shared parser reads.
        var json = value is null ? "null" : JsonSerializer.Serialize(value);
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static string? ContextString(Node node, string key) => node.TryGetContext(key) as string;
}
