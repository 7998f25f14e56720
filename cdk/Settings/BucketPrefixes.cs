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
    /// <summary>Where RecordRun writes the run records and PlanBackfill reads them (RecordRun.RunsPrefix in src/Functions; a test keeps them equal).</summary>
    public const string RunsFolder = "runs/";

    public const string EventLogEnabledProperty = "spark.eventLog.enabled";

    public const string EventLogDirProperty = "spark.eventLog.dir";

    public string InputListPattern => ListPattern(settings.InputPrefix);

    /// <summary>
    /// The output prefixes of the steps that have one. A command step may have none; its "" must not
    /// become a pattern ("*", the whole bucket).
    /// </summary>
    public IReadOnlyList<string> OutputListPatterns => Distinct(OutputStages.Select(s => ListPattern(s.OutputPrefix)));

    /// <summary>
    /// The output PlanBackfill's "missing" mode inspects: the last step that writes an output prefix
    /// (as PlanBackfill picks it in src/Functions; a test keeps the two rules equal). None when no step writes one.
    /// </summary>
    public IReadOnlyList<string> LastOutputListPatterns => OutputStages.LastOrDefault() is { } last ? [ListPattern(last.OutputPrefix)] : [];

    /// <summary>Every key of the run records: <c>runs/*</c>.</summary>
    public string RunsListPattern => RunsFolder + "*";

    /// <summary>Folders the nodes read: the stage code, the input, and earlier stages' outputs (a later stage reads them).</summary>
    public IReadOnlyList<string> NodeReadFolders => Distinct([settings.CodePrefix, Folder(settings.InputPrefix), .. NodeWriteFolders]);

    public IReadOnlyList<string> NodeWriteFolders => Distinct(OutputStages.Select(s => Folder(s.OutputPrefix)));

    /// <summary>
    /// The folder of the data bucket Spark writes its event logs to (pipeline.submit.conf
    /// spark.eventLog.dir, e.g. <c>s3a://{bucket}/spark-events/</c> gives <c>spark-events/</c>), or null
    /// when event logging is off or goes elsewhere. <see cref="EventLogProblems"/> says when "elsewhere" is
    /// not acceptable.
    /// </summary>
    public string? EventLogFolder => EventLogLocation() is { InBucket: true, Folder: { Length: > 0 } folder } ? folder : null;

    /// <summary>An event-log directory the nodes could not write (another bucket) or that would make them writers of the root or of others' data.</summary>
    public IEnumerable<string> EventLogProblems()
    {
        var location = EventLogLocation();
        if (location is null)
        {
            yield break;
        }

        var at = $"pipeline.submit.conf[\"{EventLogDirProperty}\"]";
        if (!location.Value.InBucket)
        {
            yield return $"{at}: the nodes may write only the data bucket; expected s3a://{{bucket}}/<folder>/ or a local path, got \"{location.Value.Url}\"";
            yield break;
        }

        var folder = location.Value.Folder;
        if (folder.Length == 0)
        {
            yield return $"{at}: expected a folder of the data bucket such as s3a://{{bucket}}/spark-events/, not the bucket's root (the nodes get write access to it)";
            yield break;
        }

        var others = new[] { ("pipeline.inputPrefix", settings.InputPrefix) }
            .Concat(OutputStages.Select(s => ($"pipeline.stages[{IndexOf(s)}].outputPrefix", s.OutputPrefix)));
        foreach (var (name, template) in others)
        {
            if (MayOverlap(folder, template))
            {
                yield return $"{at}: \"{folder}\" overlaps {name} \"{template}\"; the nodes write and delete event logs there, so it must be a folder of its own";
            }
        }

        foreach (var (name, fixedFolder) in new[] { ("pipeline.codePrefix", settings.CodePrefix), ("the run records", RunsFolder) })
        {
            if (folder.StartsWith(fixedFolder, StringComparison.Ordinal) || fixedFolder.StartsWith(folder, StringComparison.Ordinal))
            {
                yield return $"{at}: \"{folder}\" overlaps {name} \"{fixedFolder}\"; the nodes write and delete event logs there, so it must be a folder of its own";
            }
        }
    }

    private IEnumerable<StageSpec> OutputStages => (settings.Stages ?? []).Where(s => s is not null && !string.IsNullOrEmpty(s.OutputPrefix));

    private int IndexOf(StageSpec stage) => settings.Stages.ToList().IndexOf(stage);

    /// <summary>Where event logs go when they go to S3 at all: the URL, whether it is the data bucket, and the folder there.</summary>
    private (string Url, bool InBucket, string Folder)? EventLogLocation()
    {
        var conf = settings.Submit?.Conf;
        if (conf is null
            || !conf.TryGetValue(EventLogEnabledProperty, out var enabled) || !string.Equals(enabled?.Trim(), "true", StringComparison.OrdinalIgnoreCase)
            || !conf.TryGetValue(EventLogDirProperty, out var dir) || dir is null)
        {
            return null;
        }

        var url = Fill(dir);
        var scheme = new[] { "s3a://", "s3n://", "s3://" }.FirstOrDefault(s => url.StartsWith(s, StringComparison.OrdinalIgnoreCase));
        if (scheme is null)
        {
            // A local path (file:/tmp/spark-events): nothing in S3 to allow.
            return null;
        }

        var rest = url[scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        if (bucket != settings.Bucket)
        {
            return (url, false, "");
        }

        // Hadoop names a directory with or without the trailing '/'; the grant must end at a '/' either way.
        var path = slash < 0 ? "" : rest[(slash + 1)..];
        var folder = Folder(path.Contains('{', StringComparison.Ordinal) ? path : path.TrimEnd('/') + "/");
        return (url, true, folder == "/" ? "" : folder);
    }

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
