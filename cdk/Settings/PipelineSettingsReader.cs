using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk.Settings;

/// <summary>
/// Reads the <c>pipeline</c> context object with the Lambda code's own parser and validator, and
/// adds one rule of the synth: every setting must be written out. A missing one would silently
/// take the built-in default, and the deployed pipeline would differ from what cdk.json shows.
/// </summary>
public static class PipelineSettingsReader
{
    /// <summary>Objects whose keys are data (Spark properties), not setting names.</summary>
    private static readonly HashSet<string> FreeFormObjects = new(StringComparer.Ordinal) { "pipeline.submit.conf" };

    public static PipelineSettings? Read(JsonElement value, List<string> problems)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"pipeline: expected a JSON object in cdk.json context, got {value.ValueKind}");
            return null;
        }

        PipelineSettings settings;
        try
        {
            settings = SettingsJson.Parse(value.GetRawText());
        }
        catch (PipelineException e)
        {
            problems.Add($"pipeline: {e.Message}");
            return null;
        }

        var shape = JsonNode.Parse(SettingsJson.Write(PipelineSettings.PotholePipeline))!.AsObject();
        var stageShape = JsonNode.Parse(JsonSerializer.Serialize(new StageSpec(), StageShapeJson.Default.StageSpec))!.AsObject();
        RequireAll(JsonNode.Parse(value.GetRawText())!.AsObject(), shape, stageShape, "pipeline", problems);
        problems.AddRange(SettingsValidator.Validate(settings).Select(p => $"pipeline.{p}"));
        return settings;
    }

    private static void RequireAll(JsonObject given, JsonObject shape, JsonObject stageShape, string path, List<string> problems)
    {
        foreach (var (name, example) in shape)
        {
            var at = $"{path}.{name}";
            if (!given.TryGetPropertyValue(name, out var node) || node is null)
            {
                problems.Add($"{at}: missing; write it out in cdk.json, for example \"{name}\": {Example(example)}");
                continue;
            }

            if (node is JsonObject nested && example is JsonObject nestedShape && !FreeFormObjects.Contains(at))
            {
                RequireAll(nested, nestedShape, stageShape, at, problems);
            }
            else if (name == "stages" && node is JsonArray stages)
            {
                for (var i = 0; i < stages.Count; i++)
                {
                    if (stages[i] is JsonObject stage)
                    {
                        RequireAll(stage, stageShape, stageShape, $"{at}[{i}]", problems);
                    }
                }
            }
        }
    }

    private static string Example(JsonNode? example)
    {
        var text = example?.ToJsonString() ?? "null";
        return text.Length > 100 ? text[..100] + "..." : text;
    }
}
