using System.Diagnostics;

namespace Pipeline.Cdk.Tests.Support;

/// <summary>Pieces of the node scripts, and running them with bash.</summary>
internal static class NodeScripts
{
    /// <summary>The quoted here-document of node-setup.sh that spark-env.sh gets appended: resolved by Spark, not by the set-up.</summary>
    internal static string SparkEnvDynamicPart() =>
        Heredoc(NodeSetupScript.Body(), "cat >>\"$SPARK_HOME/conf/spark-env.sh\" <<'EOF'");

    /// <summary>The unquoted here-document of node-setup.sh that starts spark-env.sh: expanded by the set-up from its settings.</summary>
    internal static string SparkEnvStaticPart() =>
        Heredoc(NodeSetupScript.Body(), "cat >\"$SPARK_HOME/conf/spark-env.sh\" <<EOF");

    internal static (int ExitCode, string Output) Run(string program, IReadOnlyList<string> args, Dictionary<string, string>? environment = null, string? pathPrefix = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        if (pathPrefix is not null)
        {
            start.Environment["PATH"] = pathPrefix + ":" + Environment.GetEnvironmentVariable("PATH");
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), $"{program} did not finish");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }


    internal static string Heredoc(string script, string opening)
    {
        var start = script.IndexOf(opening + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no here-document opened by: {opening}");
        start += opening.Length + 1;
        return "\n" + script[start..script.IndexOf("\nEOF\n", start, StringComparison.Ordinal)] + "\n";
    }
}
