using System.Reflection;
using Pipeline.Cdk.Settings;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk;

/// <summary>
/// The user data of a node: the settings as quoted exports, then cdk/spark-node-boot.sh written to
/// <see cref="BootScriptPath"/>, then cdk/node-setup.sh (both kept plain files so shellcheck can
/// check them). Values go through the same quoting as every command the pipeline sends, so no
/// setting can turn into shell syntax. Both scripts travel without their comment lines: EC2 takes
/// at most 16 KB of user data, and the comments are most of the text.
/// </summary>
public static class NodeSetupScript
{
    public const string ResourceName = "node-setup.sh";

    public const string BootResourceName = "spark-node-boot.sh";

    /// <summary>Where the boot script lives on a node; node-setup.sh names the same path.</summary>
    public const string BootScriptPath = "/usr/local/sbin/spark-node-boot";

    /// <summary>Ends the here-document that carries the boot script; quoted, so nothing in it is expanded.</summary>
    public const string BootScriptEnd = "SPARK_NODE_BOOT_SCRIPT";

    /// <param name="authSecretId">ARN of the Spark RPC secret (a deploy-time token in the stack): what the node reads, never the secret itself.</param>
    public static IReadOnlyList<string> Lines(AppSettings settings, string nodeRole, string authSecretId)
    {
        var pipeline = settings.Pipeline;
        var deployment = settings.Deployment;
        var exports = new ShellScript()
            .Export("SPARK_VERSION", deployment.SparkVersion)
            .Export("SPARK_DOWNLOAD_URL", deployment.SparkDownloadUrl)
            .Export("SPARK_HOME", pipeline.SparkHome)
            .Export("SPARK_USER", pipeline.SparkUser)
            .Export("CODE_DIRECTORY", pipeline.CodeDirectory)
            .Export("S3_REGION", deployment.Region)
            .Export("NODE_ROLE", nodeRole)
            .Export("PYTHON_PACKAGES", string.Join(' ', deployment.PythonPackages))
            .Export("STOP_AFTER_SETUP", deployment.StopNodesAfterSetup ? "true" : "false")
            .Export("SPARK_AUTH_SECRET_ID", authSecretId)
            .Build();

        var boot = Compact(BootScript()).TrimEnd('\n').Split('\n');
        if (boot.Contains(BootScriptEnd))
        {
            throw new InvalidOperationException($"{BootResourceName} contains the line {BootScriptEnd}, which would end its here-document early");
        }

        // UserData.ForLinux writes its own "#!/bin/bash" first line.
        var body = Compact(Body()).Split('\n').SkipWhile(line => line.StartsWith("#!", StringComparison.Ordinal));
        return
        [
            Notice,
            .. exports.TrimEnd('\n').Split('\n'),
            $"cat >{BootScriptPath} <<'{BootScriptEnd}'",
            .. boot,
            BootScriptEnd,
            $"chmod 0755 {BootScriptPath}",
            .. body,
        ];
    }

    /// <summary>The first line after the shebang, for whoever reads the user data on a node or in the console.</summary>
    public const string Notice = "# Spark node set-up from cdk/spark-node-boot.sh and cdk/node-setup.sh; their comment lines are left out to fit EC2's 16 KB user data limit.";

    public static string Body() => Resource(ResourceName);

    /// <summary>
    /// The script without its comment lines (a '#' as the first non-blank character), the shebang
    /// kept. In these scripts such lines are comments wherever they stand, here-documents included
    /// (shell, spark-env.sh, spark-defaults.conf and systemd all read '#' as a comment).
    /// </summary>
    public static string Compact(string script) =>
        string.Join('\n', script.Split('\n').Where((line, i) => !line.TrimStart().StartsWith('#') || (i == 0 && line.StartsWith("#!", StringComparison.Ordinal))));

    public static string BootScript() => Resource(BootResourceName);

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
