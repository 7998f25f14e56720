using System.Globalization;

namespace Pipeline.Functions.Domain;

/// <summary>
/// The day a run processes, Airflow's <c>ds</c>. Parsing is deliberately strict because the value
/// ends up in S3 prefixes and shell commands: exactly YYYY-MM-DD in ASCII digits, a real calendar
/// day, not before 2000-01-01 and not after tomorrow in the pipeline's time zone.
/// </summary>
public readonly record struct BatchDate(DateOnly Value)
{
    public static readonly DateOnly Earliest = new(2000, 1, 1);
    private const string Expected = "a date written YYYY-MM-DD, e.g. \"2026-02-12\"";

    /// <summary>Airflow's ds: 2026-02-12.</summary>
    public string Ds => Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Airflow's ds_nodash: 20260212.</summary>
    public string DsNodash => Value.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public override string ToString() => Ds;

    public static BatchDate Parse(string field, string text, DateOnly latestAllowed)
    {
        if (text.Length != 10 || text[4] != '-' || text[7] != '-' || !AllAsciiDigits(text, 0, 4)
            || !AllAsciiDigits(text, 5, 2) || !AllAsciiDigits(text, 8, 2))
        {
            throw PipelineException.InvalidInput(field, $"expected {Expected}, got {Describe(text)}");
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            throw PipelineException.InvalidInput(field, $"{Describe(text)} is not a day of the calendar; expected {Expected}");
        }

        return Checked(field, day, latestAllowed);
    }

    public static BatchDate Checked(string field, DateOnly day, DateOnly latestAllowed)
    {
        if (day < Earliest)
        {
            throw PipelineException.InvalidInput(field, $"{day:yyyy-MM-dd} is before the earliest batch date 2000-01-01");
        }

        if (day > latestAllowed)
        {
            throw PipelineException.InvalidInput(field, $"{day:yyyy-MM-dd} is in the future; the latest batch date now is {latestAllowed:yyyy-MM-dd}");
        }

        return new BatchDate(day);
    }

    /// <summary>Quotes a rejected value for a message, without letting control characters or huge values through.</summary>
    public static string Describe(string text)
    {
        var shown = text.Length > 40 ? text[..40] + "…" : text;
        var builder = new System.Text.StringBuilder("\"");
        foreach (var c in shown)
        {
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return builder.Append('"').ToString();
    }

    private static bool AllAsciiDigits(string text, int start, int count)
    {
        for (var i = start; i < start + count; i++)
        {
            if (text[i] is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
