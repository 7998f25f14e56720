using System.Text.RegularExpressions;

namespace Pipeline.Functions.Domain;

/// <summary>
/// Fills the Airflow-style placeholders of settings templates: {ds}, {ds_nodash} and {bucket}.
/// Anything else in braces is rejected when settings are validated, so a typo cannot reach S3 or a node.
/// </summary>
public static partial class Template
{
    public static readonly IReadOnlySet<string> Placeholders = new HashSet<string>(StringComparer.Ordinal) { "ds", "ds_nodash", "bucket" };

    public static string Expand(string template, BatchDate date, string bucket) =>
        template
            .Replace("{ds}", date.Ds, StringComparison.Ordinal)
            .Replace("{ds_nodash}", date.DsNodash, StringComparison.Ordinal)
            .Replace("{bucket}", bucket, StringComparison.Ordinal);

    public static IEnumerable<string> UnknownPlaceholders(string template) =>
        PlaceholderPattern().Matches(template).Select(m => m.Groups[1].Value).Where(p => !Placeholders.Contains(p));

    public static bool HasDatePlaceholder(string template) =>
        template.Contains("{ds}", StringComparison.Ordinal) || template.Contains("{ds_nodash}", StringComparison.Ordinal);

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex PlaceholderPattern();
}
