using Pipeline.Functions.Domain;

namespace Pipeline.Cdk.Settings;

/// <summary>
/// Turns the settings' prefix templates into the IAM patterns that scope S3 access. Two shapes:
/// a listing pattern, where each date placeholder becomes '*' (what the functions list is exactly
/// a day's prefix), and a folder, the fixed part before the first placeholder (Spark's S3A also
/// probes the parent folders of what it reads and writes, so the nodes need the whole folder).
/// </summary>
public sealed class BucketPrefixes(PipelineSettings settings)
{
    public string InputListPattern => ListPattern(settings.InputPrefix);

    public IReadOnlyList<string> OutputListPatterns => Distinct(settings.Stages.Select(s => ListPattern(s.OutputPrefix)));

    /// <summary>Folders the nodes read: the stage code, the input, and earlier stages' outputs (a later stage reads them).</summary>
    public IReadOnlyList<string> NodeReadFolders => Distinct([settings.CodePrefix, Folder(settings.InputPrefix), .. NodeWriteFolders]);

    public IReadOnlyList<string> NodeWriteFolders => Distinct(settings.Stages.Select(s => Folder(s.OutputPrefix)));

    /// <summary><c>raw-sensor-data/dt={ds}/</c> becomes <c>raw-sensor-data/dt=*/*</c>: any day's prefix and the keys under it.</summary>
    public string ListPattern(string template)
    {
        var text = Fill(template);
        foreach (var placeholder in Template.Placeholders)
        {
            text = text.Replace("{" + placeholder + "}", "*", StringComparison.Ordinal);
        }

        return text + "*";
    }

    /// <summary><c>stage1_anomaly_detected/dt={ds}/</c> becomes <c>stage1_anomaly_detected/</c>; "" when the first segment is a placeholder.</summary>
    public string Folder(string template)
    {
        var text = Fill(template);
        var brace = text.IndexOf('{', StringComparison.Ordinal);
        if (brace < 0)
        {
            return text;
        }

        return text[..(text.LastIndexOf('/', brace) + 1)];
    }

    /// <summary>
    /// Whether some key under the fixed <paramref name="folder"/> can also be a key under
    /// <paramref name="template"/> for some batch date. Date placeholders expand to text starting with
    /// a digit, which decides the case where the folder runs on past the template's fixed head.
    /// </summary>
    public bool MayOverlap(string folder, string template)
    {
        var text = Fill(template);
        var brace = text.IndexOf('{', StringComparison.Ordinal);
        var head = brace < 0 ? text : text[..brace];
        if (head.StartsWith(folder, StringComparison.Ordinal))
        {
            return true;
        }

        if (!folder.StartsWith(head, StringComparison.Ordinal))
        {
            return false;
        }

        // The folder runs on past the head. A fixed template covers everything under it; otherwise the
        // next character of a template key is the first digit of a date.
        return brace < 0 || char.IsAsciiDigit(folder[head.Length]);
    }

    private string Fill(string template) => template.Replace("{bucket}", settings.Bucket, StringComparison.Ordinal);

    private static List<string> Distinct(IEnumerable<string> values) => values.Distinct(StringComparer.Ordinal).ToList();
}
