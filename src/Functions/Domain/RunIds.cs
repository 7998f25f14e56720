using System.Globalization;
using System.Text;

namespace Pipeline.Functions.Domain;

/// <summary>
/// Run ids are Step Functions execution names, accepted exactly as Step Functions accepts them
/// (1-80 characters, non-ASCII letters included), so no execution the service can start is refused
/// by its own cleanup. Internal holders of the lock (the sweeper, an operator's hold) use ids with a
/// ':' that no execution name can contain, so they never collide with a run.
/// </summary>
public static class RunIds
{
    public const int MaxLength = 80;

    /// <summary>Characters Step Functions refuses in a name, besides whitespace and control characters.</summary>
    private const string Refused = "<>{}[]?*\"#%\\^|~`$&,;:/";

    public const string SweeperPrefix = "sweeper:";
    public const string MaintenancePrefix = "maintenance:";

    public static bool IsExecutionName(string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.IsNormalized())
        {
            return false;
        }

        var length = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            length++;
            if (Rune.IsWhiteSpace(rune) || Rune.IsControl(rune) || (rune.Value >= 0x7F && rune.Value <= 0x9F)
                || (rune.IsAscii && Refused.Contains((char)rune.Value, StringComparison.Ordinal))
                || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
            {
                return false;
            }
        }

        return length <= MaxLength;
    }

    /// <summary>
    /// A run id as an S3 key segment: letters, digits, '.', '_', '-' kept, every other UTF-8 byte
    /// written %XX. Deterministic and reversible, so two runs never share a record key and the
    /// record itself still carries the name as written.
    /// </summary>
    public static string KeySegment(string runId)
    {
        var text = new StringBuilder(runId.Length);
        foreach (var b in Encoding.UTF8.GetBytes(runId))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-')
            {
                text.Append(c);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }
}
