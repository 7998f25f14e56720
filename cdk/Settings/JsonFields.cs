using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Cdk.Settings;

/// <summary>
/// Reads one JSON object field by field and collects every problem instead of stopping at the
/// first, each naming the setting (<c>deployment.region</c>) and the form it expects.
/// </summary>
internal sealed class JsonFields
{
    /// <summary>Longest text any deployment setting takes unless its own rule says less; nothing legitimate comes close.</summary>
    public const int DefaultMaxLength = 256;

    private readonly HashSet<string> read = new(StringComparer.Ordinal);
    private readonly JsonElement value;
    private readonly string path;
    private readonly List<string> problems;

    public JsonFields(JsonElement value, string path, List<string> problems)
    {
        this.value = value;
        this.path = path;
        this.problems = problems;

        // JSON text given on the command line (-c deployment='{...}') may repeat a name; which one
        // wins would be the parser's choice, not the author's.
        foreach (var name in value.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            problems.Add($"{path}.{name}: given more than once; write each setting once");
        }
    }

    public string String(string name, Regex pattern, string expected, int maxLength = DefaultMaxLength) =>
        String(name, text => pattern.IsMatch(text), expected, maxLength);

    public string String(string name, Func<string, bool> isValid, string expected, int maxLength = DefaultMaxLength)
    {
        if (!TryGet(name, expected, out var element))
        {
            return "";
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString()!.Length > maxLength || !isValid(element.GetString()!))
        {
            Problem(name, expected, element);
            return "";
        }

        return element.GetString()!;
    }

    public int Int(string name, int min, int max, string? expected = null)
    {
        expected ??= $"a whole number from {min} to {max}";
        if (!TryGet(name, expected, out var element))
        {
            return 0;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var number) || number < min || number > max)
        {
            Problem(name, expected, element);
            return 0;
        }

        return number;
    }

    public bool Bool(string name)
    {
        if (!TryGet(name, "true or false", out var element))
        {
            return false;
        }

        if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Problem(name, "true or false", element);
            return false;
        }

        return element.GetBoolean();
    }

    public IReadOnlyList<string> StringList(string name, Regex itemPattern, string expectedItem, int maxCount, int maxItemLength = DefaultMaxLength)
    {
        var expected = $"a list of at most {maxCount} strings, each {expectedItem}";
        if (!TryGet(name, expected, out var element))
        {
            return [];
        }

        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() > maxCount)
        {
            Problem(name, expected, element);
            return [];
        }

        var items = new List<string>();
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString()!.Length > maxItemLength || !itemPattern.IsMatch(item.GetString()!))
            {
                problems.Add($"{path}.{name}[{index}]: expected {expectedItem}, got {Shown(item)}");
            }
            else
            {
                items.Add(item.GetString()!);
            }

            index++;
        }

        return items;
    }

    /// <summary>Names nobody read are misspellings or leftovers: silently ignoring them would deploy something else than written.</summary>
    public void RejectUnknown()
    {
        foreach (var property in value.EnumerateObject().Where(p => !read.Contains(p.Name)))
        {
            problems.Add($"{path}.{property.Name}: unknown setting; known: {string.Join(", ", read.Order(StringComparer.Ordinal))}");
        }
    }

    public void Problem(string name, string expected, JsonElement got) =>
        problems.Add($"{path}.{name}: expected {expected}, got {Shown(got)}");

    private bool TryGet(string name, string expected, out JsonElement element)
    {
        read.Add(name);
        if (value.TryGetProperty(name, out element) && element.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        problems.Add($"{path}.{name}: missing; expected {expected}");
        return false;
    }

    private static string Shown(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length > 80 ? text[..80] + "..." : text;
    }
}
