using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
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
public sealed record AppSettings(PipelineSettings Pipeline, DeploymentSettings Deployment, string FunctionsAsset, string StateMachineDirectory, string StageCodeDirectory)
{
    public const string PipelineKey = "pipeline";
    public const string DeploymentKey = "deployment";
    public const string FunctionsAssetKey = "functionsAsset";
    public const string StateMachineDirectoryKey = "stateMachineDirectory";
    public const string StageCodeDirectoryKey = "stageCodeDirectory";

    /// <summary>Lambda allows 4 KB of environment variables per function; PIPELINE_SETTINGS must fit with room to spare.</summary>
    public const int MaxSettingsBytes = 3800;

    /// <summary>EC2 takes at most 16 KB of user data (before base64).</summary>
    public const int MaxUserDataBytes = 16 * 1024;

    public const string S3RegionProperty = "spark.hadoop.fs.s3a.endpoint.region";

    public string SettingsJsonText => SettingsJson.Write(Pipeline);

    public static AppSettings FromContext(Node node) => Read(node.TryGetContext);

    /// <summary>
    /// Reads and checks every setting from context values as jsii hands them over (dictionaries,
    /// arrays, doubles, strings, booleans). A bad value throws <see cref="SettingsException"/> naming
    /// it; Program prints that and refuses to synthesize.
    /// </summary>
    public static AppSettings Read(Func<string, object?> context)
    {
        var problems = new List<string>();
        var pipelineJson = ContextJson(context(PipelineKey), PipelineKey, problems);
        var pipeline = pipelineJson is { } p ? PipelineSettingsReader.Read(p, problems) : null;
        var deploymentJson = ContextJson(context(DeploymentKey), DeploymentKey, problems);
        var deployment = deploymentJson is { } d ? DeploymentReader.Read(d, problems) : null;
        var functionsAsset = Path.GetFullPath(context(FunctionsAssetKey) as string ?? "artifacts/functions");
        var stateMachineDirectory = Path.GetFullPath(context(StateMachineDirectoryKey) as string ?? "statemachine");
        var stageCodeDirectory = Path.GetFullPath(context(StageCodeDirectoryKey) as string ?? "jobs");

        if (pipeline is not null && deployment is not null)
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

        if (!Directory.Exists(stageCodeDirectory))
        {
            problems.Add($"{StageCodeDirectoryKey}: expected the folder of the stage code (top-level *.py and reference/*.csv), but {stageCodeDirectory} does not exist");
        }
        else if (pipeline is not null)
        {
            CheckStageCode(pipeline, stageCodeDirectory, problems);
        }

        if (problems.Count > 0)
        {
            throw new SettingsException(problems);
        }

        // Parallelism follows the cluster: totalExecutorCores 0 becomes workerCount × what a worker of
        // the instance type hosts; an explicit value the workers cannot host is refused.
        var (resolved, capacityProblems) = WorkerCapacity.Resolve(pipeline!, deployment!.WorkerInstanceType, "deployment.workerInstanceType");
        if (capacityProblems.Count > 0)
        {
            throw new SettingsException(capacityProblems);
        }

        var settings = new AppSettings(resolved, deployment, functionsAsset, stateMachineDirectory, stageCodeDirectory);
        CheckUserData(settings);
        return settings;
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

        // The stack owns the code prefix: every deploy makes it hold exactly the stage code, deleting
        // anything else there. Input or stage output under it would be deleted by the next deploy.
        var prefixes = new BucketPrefixes(pipeline);
        var dataPrefixes = new[] { ("inputPrefix", pipeline.InputPrefix) }
            .Concat(pipeline.Stages.Select((s, i) => ($"stages[{i}].outputPrefix", s.OutputPrefix)))
            // A command step may write no output prefix.
            .Where(p => p.Item2.Length > 0)
            .ToList();
        foreach (var (name, template) in dataPrefixes)
        {
            if (prefixes.MayOverlap(pipeline.CodePrefix, template))
            {
                problems.Add($"pipeline.codePrefix: \"{pipeline.CodePrefix}\" overlaps pipeline.{name} \"{template}\"; each deploy replaces everything under the code prefix, so it must be a folder of its own");
            }

            // RecordRun may write under runs/ and nothing else: no input or stage output may live there.
            if (prefixes.MayOverlap(BucketPrefixes.RunsFolder, template))
            {
                problems.Add($"pipeline.{name}: \"{template}\" overlaps the run records under \"{BucketPrefixes.RunsFolder}\", which the RecordRun function writes; choose another folder");
            }
        }

        if (pipeline.CodePrefix.StartsWith(BucketPrefixes.RunsFolder, StringComparison.Ordinal) || BucketPrefixes.RunsFolder.StartsWith(pipeline.CodePrefix, StringComparison.Ordinal))
        {
            problems.Add($"pipeline.codePrefix: \"{pipeline.CodePrefix}\" overlaps the run records under \"{BucketPrefixes.RunsFolder}\"; each deploy replaces everything under the code prefix, so it must be a folder of its own");
        }

        problems.AddRange(prefixes.EventLogProblems());

        if (pipeline.CommandLogGroup == StageCodeDeployment.LogGroupName(pipeline.ClusterName))
        {
            problems.Add($"pipeline.commandLogGroup: \"{pipeline.CommandLogGroup}\" is the log group of the stage code deployment; choose another name");
        }
    }

    /// <summary>
    /// Every script, py-file and code-prefix argument a Spark stage names must be among the files deployed
    /// to the code prefix; so must every code-prefix argument of a command step (which has no script).
    /// </summary>
    private static void CheckStageCode(PipelineSettings pipeline, string directory, List<string> problems)
    {
        var files = StageCodeFiles.Select(directory).ToHashSet(StringComparer.Ordinal);
        var deployed = $"the files deployed from {directory} (top-level *.py and {StageCodeFiles.ReferenceFolder}/*.csv)";
        var codeUrls = new[] { "s3a://", "s3://" }.Select(scheme => $"{scheme}{{bucket}}/{pipeline.CodePrefix}").ToList();
        for (var i = 0; i < pipeline.Stages.Count; i++)
        {
            var stage = pipeline.Stages[i];
            if (stage.Kind == StageSpec.CommandKind)
            {
                var command = stage.Command ?? [];
                for (var j = 0; j < command.Count; j++)
                {
                    var url = codeUrls.FirstOrDefault(u => command[j]?.StartsWith(u, StringComparison.Ordinal) == true);
                    if (url is not null && !files.Contains(command[j][url.Length..]))
                    {
                        problems.Add($"pipeline.stages[{i}].command[{j}]: \"{command[j]}\" names a file under the code prefix that is not among {deployed}");
                    }
                }

                continue;
            }

            if (!files.Contains(stage.Script))
            {
                problems.Add($"pipeline.stages[{i}].script: \"{stage.Script}\" is not among {deployed}");
            }

            for (var j = 0; j < stage.PyFiles.Count; j++)
            {
                if (!files.Contains(stage.PyFiles[j]))
                {
                    problems.Add($"pipeline.stages[{i}].pyFiles[{j}]: \"{stage.PyFiles[j]}\" is not among {deployed}");
                }
            }

            for (var j = 0; j < stage.Args.Count; j++)
            {
                var url = codeUrls.FirstOrDefault(u => stage.Args[j].StartsWith(u, StringComparison.Ordinal));
                if (url is not null && !files.Contains(stage.Args[j][url.Length..]))
                {
                    problems.Add($"pipeline.stages[{i}].args[{j}]: \"{stage.Args[j]}\" names a file under the code prefix that is not among {deployed}");
                }
            }
        }
    }

    /// <summary>The node user data carries the settings and the set-up scripts; EC2 refuses it past 16 KB.</summary>
    private static void CheckUserData(AppSettings settings)
    {
        // The secret's ARN, the stack name and the node's logical id are deploy-time values; these stand
        // in for the longest they can be (CDK's logical ids stay well under 100 characters).
        var arn = new string('x', 200);
        var size = new[] { NodeTags.MasterRole, NodeTags.WorkerRole }
            .Max(role => Encoding.UTF8.GetByteCount("#!/bin/bash\n" + string.Join('\n', NodeSetupScript.Lines(settings, role, arn, new NodeSignal(new string('x', 128), new string('x', 100))))));
        if (size > MaxUserDataBytes)
        {
            throw new SettingsException([$"deployment.pythonPackages: the node user data would take {size} bytes, more than the {MaxUserDataBytes} EC2 accepts; list fewer or shorter packages"]);
        }
    }

    private static readonly JsonSerializerOptions ContextWriting = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static JsonElement? ContextJson(object? value, string key, List<string> problems)
    {
        try
        {
            // `cdk synth -c deployment='{...}'` hands the object over as text; read the text as JSON.
            if (value is string text)
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.Clone();
            }

            // jsii hands context over as dictionaries, arrays and doubles; JSON text is what the shared parser
            // reads. A number JSON cannot hold (Infinity, NaN) is written as text, so the reader names its setting.
            var json = value is null ? "null" : JsonSerializer.Serialize(value, ContextWriting);
            using var parsed = JsonDocument.Parse(json);
            return parsed.RootElement.Clone();
        }
        catch (Exception e) when (e is JsonException or ArgumentException or NotSupportedException)
        {
            // Not JSON text, or nested deeper than JSON readers go.
            problems.Add($"{key}: expected a JSON object (in cdk.json, or as JSON text with -c {key}=...), but it is not valid JSON: {e.Message}");
            return null;
        }
    }
}
