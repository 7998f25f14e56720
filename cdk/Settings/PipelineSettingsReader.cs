using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk.Settings;

/// <summary>
/// Reads the <c>pipeline</c> context object with the Lambda code's own parser and validator. Before
/// that, one pass of the synth's own over the JSON: every setting must be written out (a missing one
/// would silently take the built-in default, and the deployed pipeline would differ from what
/// cdk.json shows), each must have the JSON type of its setting, no name may be unknown or repeated,
/// and no text may be longer than <see cref="MaxTextLength"/>. That pass names the setting
/// (<c>pipeline.stages[1].timeoutMinutes</c>) where the parser would only say what it could not convert.
/// </summary>
public static class PipelineSettingsReader
{
    /// <summary>The longest text any pipeline setting takes; the shared validator allows this much for stage arguments.</summary>
    public const int MaxTextLength = 1024;

    /// <summary>Objects whose keys are data (Spark properties), not setting names; their values are text.</summary>
    private static readonly HashSet<string> FreeFormObjects = new(StringComparer.Ordinal) { "pipeline.submit.conf" };

    public static PipelineSettings? Read(JsonElement value, List<string> problems)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"pipeline: expected a JSON object in cdk.json context, got {value.ValueKind}");
            return null;
        }

        var shape = JsonNode.Parse(SettingsJson.Write(PipelineSettings.PotholePipeline))!.AsObject();
        var before = problems.Count;
        CheckObject(value, shape, typeof(PipelineSettings), "pipeline", problems);
        var structural = problems.Count > before;

        PipelineSettings settings;
        try
        {
            settings = SettingsJson.Parse(value.GetRawText());
        }
        catch (PipelineException e)
        {
            // The pass above has said what is wrong in more precise words, unless it found nothing.
            if (!structural)
            {
                problems.Add($"pipeline: {e.Message}");
            }

            return null;
        }

        // Parsed (missing settings took their defaults): the shared validator's word on the values too,
        // so every problem is reported at once.
        problems.AddRange(SettingsValidator.Validate(settings).Select(p => $"pipeline.{p}"));
        return structural ? null : settings;
    }

    /// <summary><paramref name="shape"/> is the built-in settings as JSON (names and examples); <paramref name="type"/> the record they are read into.</summary>
    private static void CheckObject(JsonElement given, JsonObject shape, Type type, string path, List<string> problems)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in given.EnumerateObject())
        {
            if (!names.Add(property.Name))
            {
                problems.Add($"{path}.{property.Name}: given more than once; write each setting once");
            }
            else if (!shape.ContainsKey(property.Name))
            {
                problems.Add($"{path}.{Shown(property.Name)}: unknown setting; known: {string.Join(", ", shape.Select(p => p.Key))}");
            }
        }

        foreach (var (name, example) in shape)
        {
            var at = $"{path}.{name}";
            if (!given.TryGetProperty(name, out var node) || node.ValueKind == JsonValueKind.Null)
            {
                problems.Add($"{at}: missing; write it out in cdk.json, for example \"{name}\": {Example(example)}");
                continue;
            }

            CheckValue(node, example!, PropertyType(type, name), at, problems);
        }
    }

    private static void CheckValue(JsonElement given, JsonNode example, Type? type, string at, List<string> problems)
    {
        switch (example.GetValueKind())
        {
            case JsonValueKind.Object when FreeFormObjects.Contains(at):
                if (Expect(given, JsonValueKind.Object, "an object of Spark properties and their values as text", at, problems))
                {
                    var keys = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var property in given.EnumerateObject())
                    {
                        var entry = $"{at}[{JsonSerializer.Serialize(property.Name)}]";
                        if (!keys.Add(property.Name))
                        {
                            problems.Add($"{entry}: given more than once; write each property once");
                        }
                        else if (property.Name.Length > MaxTextLength)
                        {
                            problems.Add($"{at}: a property name is longer than {MaxTextLength} characters");
                        }
                        else
                        {
                            ExpectText(property.Value, entry, problems);
                        }
                    }
                }

                break;
            case JsonValueKind.Object:
                if (Expect(given, JsonValueKind.Object, "an object", at, problems) && type is not null)
                {
                    CheckObject(given, example.AsObject(), type, at, problems);
                }

                break;
            case JsonValueKind.Array:
                if (Expect(given, JsonValueKind.Array, "a list", at, problems) && example.AsArray().FirstOrDefault() is { } item)
                {
                    var itemType = type is null ? null : type.IsArray ? type.GetElementType() : type.GetGenericArguments().FirstOrDefault();
                    var index = 0;
                    foreach (var element in given.EnumerateArray())
                    {
                        CheckValue(element, item, itemType, $"{at}[{index++}]", problems);
                    }
                }

                break;
            case JsonValueKind.String:
                ExpectText(given, at, problems);
                break;
            case JsonValueKind.Number when type == typeof(double) || type == typeof(decimal) || type == typeof(float):
                if (given.ValueKind != JsonValueKind.Number || !given.TryGetDouble(out var number) || !double.IsFinite(number))
                {
                    problems.Add($"{at}: expected a number, got {Shown(given)}");
                }

                break;
            case JsonValueKind.Number:
                if (given.ValueKind != JsonValueKind.Number || !given.TryGetInt32(out _))
                {
                    problems.Add($"{at}: expected a whole number, got {Shown(given)}");
                }

                break;
            case JsonValueKind.True or JsonValueKind.False:
                if (given.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    problems.Add($"{at}: expected true or false, got {Shown(given)}");
                }

                break;
        }
    }

    /// <summary>The .NET type of a setting, from the source-generated JSON metadata the shared parser uses.</summary>
    private static Type? PropertyType(Type owner, string jsonName) =>
        SettingsJson.Default.GetTypeInfo(owner)?.Properties.FirstOrDefault(p => p.Name == jsonName)?.PropertyType;

    private static void ExpectText(JsonElement given, string at, List<string> problems)
    {
        if (Expect(given, JsonValueKind.String, "text", at, problems) && given.GetString()!.Length > MaxTextLength)
        {
            problems.Add($"{at}: expected text of at most {MaxTextLength} characters, got {given.GetString()!.Length}");
        }
    }

    private static bool Expect(JsonElement given, JsonValueKind kind, string expected, string at, List<string> problems)
    {
        if (given.ValueKind == kind)
        {
            return true;
        }

        problems.Add($"{at}: expected {expected}, got {Shown(given)}");
        return false;
    }

    private static string Example(JsonNode? example)
    {
        var text = example?.ToJsonString() ?? "null";
        return text.Length > 100 ? text[..100] + "..." : text;
    }

    private static string Shown(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length > 80 ? text[..80] + "..." : text;
    }

    /// <summary>An unknown name as JSON text, so control characters or a huge name cannot garble the message.</summary>
    private static string Shown(string name)
    {
        var text = JsonSerializer.Serialize(name);
        text = text.Length > 82 ? text[..80] + "...\"" : text;
        return name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? name : text;
    }
}
