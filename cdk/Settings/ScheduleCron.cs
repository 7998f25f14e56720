using System.Text.RegularExpressions;

namespace Pipeline.Cdk.Settings;

/// <summary>
/// The shape EventBridge Scheduler accepts: <c>cron(minutes hours day-of-month month day-of-week year)</c>
/// with '?' in exactly one of the two day fields. Checked at synth so a typo fails here, not in a deploy.
/// </summary>
public static partial class ScheduleCron
{
    public const string Expected = "an EventBridge Scheduler cron such as \"cron(0 10 * * ? *)\": six fields (minutes hours day-of-month month day-of-week year) with '?' in exactly one of day-of-month and day-of-week";

    public static bool IsValid(string? expression)
    {
        var match = expression is null ? null : CronPattern().Match(expression);
        if (match is null || !match.Success)
        {
            return false;
        }

        var dayOfMonth = match.Groups["dom"].Value;
        var dayOfWeek = match.Groups["dow"].Value;
        return (dayOfMonth == "?") != (dayOfWeek == "?");
    }

    [GeneratedRegex(@"^cron\((?<min>[0-9,*/-]+) (?<hour>[0-9,*/-]+) (?<dom>[0-9,*/?LW-]+) (?<month>[0-9A-Za-z,*/-]+) (?<dow>[0-9A-Za-z,*/?L#-]+) (?<year>[0-9,*/-]+)\)\z")]
    private static partial Regex CronPattern();
}
