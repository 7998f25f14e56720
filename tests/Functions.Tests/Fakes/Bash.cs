using System.Diagnostics;
using System.Text;

namespace Pipeline.Functions.Tests.Fakes;

/// <summary>Runs a script in the real bash and returns what it printed; the judge of what a built command means.</summary>
public static class Bash
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string script)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["LC_ALL"] = "C.UTF-8";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    /// <summary>The words bash passes to a command, recovered by printing each NUL-terminated.</summary>
    public static IReadOnlyList<string> Words(string printed) =>
        printed.Length == 0 ? [] : printed[..^1].Split('\0');
}
