using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipeline.Cdk.Settings;

namespace Pipeline.Cdk;

/// <summary>
/// An ASL file as written, with the <c>${Name}FunctionArn</c> placeholders it uses and any other
/// placeholders the caller can fill (<c>${PipelineStateMachineArn}</c>). The definitions change
/// independently of this app, so the placeholders are found in the file, not listed here; one that
/// nothing fills stops the synth instead of failing in CloudFormation.
/// </summary>
public sealed partial class AslDefinition
{
    private AslDefinition(string path, string text, IReadOnlyList<string> handlers, IReadOnlyList<string> others)
    {
        Path = path;
        Text = text;
        Handlers = handlers;
        Others = others;
    }

    public string Path { get; }

    public string Text { get; }

    /// <summary>The handlers whose function ARN the definition needs, in order of first use.</summary>
    public IReadOnlyList<string> Handlers { get; }

    /// <summary>The placeholders of <see cref="Load"/>'s <c>fillable</c> the definition uses, in order of first use.</summary>
    public IReadOnlyList<string> Others { get; }

    /// <param name="fillable">Placeholders other than function ARNs that the caller provides values for.</param>
    public static AslDefinition Load(string directory, string fileName, IReadOnlyCollection<string>? fillable = null)
    {
        fillable ??= [];
        var path = System.IO.Path.Combine(directory, fileName);
        var text = File.ReadAllText(path);
        var problems = new List<string>();
        try
        {
            using var _ = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            problems.Add($"{path}: not valid JSON: {e.Message}");
        }

        var handlers = new List<string>();
        var others = new List<string>();
        foreach (var name in Placeholders(text))
        {
            var handler = LambdaHandlers.Names.FirstOrDefault(h => LambdaHandlers.ArnPlaceholder(h) == name);
            if (handler is null && fillable.Contains(name))
            {
                others.Add(name);
            }
            else if (handler is null)
            {
                var alsoKnown = fillable.Count == 0 ? "" : $", or one of {string.Join(", ", fillable.Select(f => "${" + f + "}"))}";
                problems.Add($"{path}: placeholder ${{{name}}} has no substitution; expected ${{<Handler>FunctionArn}} with a handler of {string.Join(", ", LambdaHandlers.Names)}{alsoKnown}");
            }
            else if (!handlers.Contains(handler))
            {
                handlers.Add(handler);
            }
        }

        if (problems.Count > 0)
        {
            throw new SettingsException(problems, "state machine definitions are not usable:");
        }

        return new AslDefinition(path, text, handlers, others);
    }

    /// <summary>
    /// The definition with an execution timeout. Step Functions takes it from the definition's own
    /// TimeoutSeconds (CDK ignores StateMachineProps.Timeout for a definition given as text). A file
    /// that sets a longer one is refused: a run outliving its limit could see its lock taken over.
    /// </summary>
    /// <param name="taskTimeoutSeconds">
    /// The TimeoutSeconds of every Task that calls one of the stack's functions: the function's own
    /// timeout plus a margin, so Lambda ends a hung attempt before Step Functions retries it.
    /// </param>
    public string WithTimeouts(int maxSeconds, int taskTimeoutSeconds)
    {
        var root = JsonNode.Parse(Text)!.AsObject();
        foreach (var task in FunctionTasks(root))
        {
            task["TimeoutSeconds"] = taskTimeoutSeconds;
        }

        if (root["TimeoutSeconds"] is JsonValue given && given.TryGetValue(out int seconds))
        {
            if (seconds > maxSeconds)
            {
                throw new SettingsException([$"{Path}: TimeoutSeconds {seconds} is longer than the {maxSeconds} s the settings allow (derived from pipeline.maxRunMinutes)"], "state machine definitions are not usable:");
            }

        }
        else
        {
            root["TimeoutSeconds"] = maxSeconds;
        }

        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Every Task state, in branches and map processors too, whose Resource is a function placeholder.</summary>
    public static IEnumerable<JsonObject> FunctionTasks(JsonObject machine)
    {
        foreach (var (_, node) in machine["States"]?.AsObject() ?? [])
        {
            if (node is not JsonObject state)
            {
                continue;
            }

            if (state["Type"]?.GetValue<string>() == "Task" && state["Resource"]?.GetValue<string>() is { } resource
                && LambdaHandlers.Names.Any(h => resource == "${" + LambdaHandlers.ArnPlaceholder(h) + "}"))
            {
                yield return state;
            }

            var nested = (state["Branches"]?.AsArray().OfType<JsonObject>() ?? [])
                .Concat(new[] { state["ItemProcessor"], state["Iterator"] }.OfType<JsonObject>());
            foreach (var inner in nested.SelectMany(FunctionTasks))
            {
                yield return inner;
            }
        }
    }

    /// <summary>Every distinct <c>${Name}</c> in the text (the DefinitionSubstitutions syntax).</summary>
    public static IReadOnlyList<string> Placeholders(string text) =>
        PlaceholderPattern().Matches(text).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();

    [GeneratedRegex(@"\$\{([^}]*)\}")]
    private static partial Regex PlaceholderPattern();
}
