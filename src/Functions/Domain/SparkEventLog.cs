namespace Pipeline.Functions.Domain;

/// <summary>
/// Where Spark writes its event logs when they go to the data bucket (spark.eventLog.enabled and an
/// s3a:// spark.eventLog.dir in the submit settings). Spark refuses to start an application whose
/// event-log directory does not exist and never creates it, so whoever starts Spark makes sure it does.
/// </summary>
public static class SparkEventLog
{
    public const string EnabledProperty = "spark.eventLog.enabled";
    public const string DirProperty = "spark.eventLog.dir";

    /// <summary>The folder of the data bucket (e.g. <c>spark-events/</c>), or null when event logs are off or go elsewhere.</summary>
    public static string? FolderInBucket(PipelineSettings settings)
    {
        var conf = settings.Submit.Conf;
        if (!conf.TryGetValue(EnabledProperty, out var enabled) || !string.Equals(enabled.Trim(), "true", StringComparison.OrdinalIgnoreCase)
            || !conf.TryGetValue(DirProperty, out var dir))
        {
            return null;
        }

        var url = dir.Replace("{bucket}", settings.Bucket, StringComparison.Ordinal);
        var scheme = new[] { "s3a://", "s3n://", "s3://" }.FirstOrDefault(s => url.StartsWith(s, StringComparison.OrdinalIgnoreCase));
        if (scheme is null || !url[scheme.Length..].StartsWith(settings.Bucket + "/", StringComparison.Ordinal))
        {
            return null;
        }

        var folder = url[(scheme.Length + settings.Bucket.Length + 1)..].TrimEnd('/');
        return folder.Length == 0 || folder.Contains('{', StringComparison.Ordinal) ? null : folder + "/";
    }
}
