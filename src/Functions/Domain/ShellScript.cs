using System.Text;

namespace Pipeline.Functions.Domain;

/// <summary>
/// The one builder of every script sent to the nodes. Values only enter a script through
/// <see cref="Quote"/> (POSIX single quotes, which bash never expands), so a date, stage name or
/// argument cannot become shell syntax whatever it contains. Fixed lines are the script's own
/// constant text, never data.
/// </summary>
public sealed class ShellScript
{
    private readonly List<string> lines = [];

    public static ShellScript Strict() => new ShellScript().Fixed("set -euo pipefail");

    /// <summary>Single-quotes a value: every character stands for itself; a quote is closed, escaped and reopened.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0'))
        {
            // bash cannot carry NUL inside an argument; silently truncating would change the argument.
            throw new PipelineException(ErrorNames.InvalidInput, "a shell argument contains a NUL character, which no command line can carry");
        }

        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Joins an argv into one command line bash parses back into exactly these words.</summary>
    public static string Join(IEnumerable<string> argv)
    {
        var words = argv.Select(Quote).ToList();
        if (words.Count == 0)
        {
            throw new ArgumentException("a command needs at least a program", nameof(argv));
        }

        return string.Join(' ', words);
    }

    public ShellScript Command(params IEnumerable<string> argv)
    {
        lines.Add(Join(argv));
        return this;
    }

    /// <summary>Exports a variable; the name is checked, the value quoted.</summary>
    public ShellScript Export(string name, string value)
    {
        if (name.Length == 0 || !name.All(c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_') || char.IsAsciiDigit(name[0]))
        {
            throw new ArgumentException($"not a shell variable name: {name}", nameof(name));
        }

        lines.Add($"export {name}={Quote(value)}");
        return this;
    }

    /// <summary>A constant line of this script's own logic; data must go through <see cref="Command"/> or <see cref="Export"/>.</summary>
    public ShellScript Fixed(string constantLine)
    {
        lines.Add(constantLine);
        return this;
    }

    public string Build()
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }
}
