using System.Reflection;
using Pipeline.Cdk.Settings;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk;

/// <summary>
/// The user data of a node: the settings as quoted exports, then cdk/spark-node-boot.sh written to
/// <see cref="BootScriptPath"/>, cdk/spark-node-ready.sh to <see cref="ReadyScriptPath"/> and
/// cdk/node-setup.sh to <see cref="SetupScriptPath"/>, which then runs (all kept plain files so
/// shellcheck can check them). The set-up is a file rather than inline user data because later
/// boots run it again until it has completed once. Values go through the same quoting as every command the pipeline sends, so no
/// setting can turn into shell syntax. Both scripts travel without their comment lines: EC2 takes
/// at most 16 KB of user data, and the comments are most of the text.
/// </summary>
public static class NodeSetupScript
{
    public const string ResourceName = "node-setup.sh";

    public const string BootResourceName = "spark-node-boot.sh";

    /// <summary>Where the boot script lives on a node; node-setup.sh names the same path.</summary>
    public const string BootScriptPath = "/usr/local/sbin/spark-node-boot";

    public const string ReadyResourceName = "spark-node-ready.sh";

    /// <summary>Where the smoke check and CloudFormation signal live on a node; node-setup.sh names the same path.</summary>
    public const string ReadyScriptPath = "/usr/local/sbin/spark-node-ready";

    /// <summary>Where the set-up itself lives on a node; its systemd unit runs it at later boots.</summary>
    public const string SetupScriptPath = "/usr/local/sbin/spark-node-setup";

    /// <summary>Ends the here-document that carries a script; quoted, so nothing in it is expanded.</summary>
    public const string BootScriptEnd = "SPARK_NODE_BOOT_SCRIPT";

    public const string ReadyScriptEnd = "SPARK_NODE_READY_SCRIPT";

    public const string SetupScriptEnd = "SPARK_NODE_SETUP_SCRIPT";

    /// <param name="authSecretId">ARN of the Spark RPC secret (a deploy-time token in the stack): what the node reads, never the secret itself.</param>
    /// <param name="signal">The stack and logical id the node signals its CreationPolicy to (deploy-time tokens).</param>
    public static IReadOnlyList<string> Lines(AppSettings settings, string nodeRole, string authSecretId, NodeSignal signal)
    {
        var pipeline = settings.Pipeline;
        var deployment = settings.Deployment;
        var eventLogs = new BucketPrefixes(pipeline).EventLogFolder;
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
            // Set only here, never kept for later boots: only the first boot stops the node after its set-up.
            .Export("SPARK_NODE_FIRST_BOOT", "1")
            .Export("CFN_STACK", signal.StackName)
            .Export("CFN_RESOURCE", signal.LogicalId)
            .Export("SETUP_TAG_KEY", NodeTags.Setup)
            .Export("SETUP_TAG_VALUE", NodeTags.SetupComplete)
            // Only the master makes sure Spark's event-log directory exists (spark-node-ready.sh).
            .Export("EVENT_LOG_BUCKET", nodeRole == NodeTags.MasterRole && eventLogs is not null ? pipeline.Bucket : "")
            .Export("EVENT_LOG_PREFIX", nodeRole == NodeTags.MasterRole && eventLogs is not null ? eventLogs : "")
            .Export("WORKER_CLEANUP_TTL_SECONDS", (deployment.WorkerAppDataRetentionHours * 3600L).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Build();

        // UserData.ForLinux writes its own "#!/bin/bash" first line.
        return
        [
            Notice,
            .. exports.TrimEnd('\n').Split('\n'),
            .. Written(BootScript(), BootResourceName, BootScriptPath, BootScriptEnd),
            .. Written(ReadyScript(), ReadyResourceName, ReadyScriptPath, ReadyScriptEnd),
            .. Written(Body(), ResourceName, SetupScriptPath, SetupScriptEnd),
            $"exec {SetupScriptPath}",
        ];
    }

    /// <summary>Lines that write a script to <paramref name="path"/> through a quoted here-document, its comments left out.</summary>
    private static IEnumerable<string> Written(string script, string name, string path, string end)
    {
        var lines = Compact(script).TrimEnd('\n').Split('\n');
        if (lines.Contains(end))
        {
            throw new InvalidOperationException($"{name} contains the line {end}, which would end its here-document early");
        }

        return [$"cat >{path} <<'{end}'", .. lines, end, $"chmod 0755 {path}"];
    }

    /// <summary>The first line after the shebang, for whoever reads the user data on a node or in the console.</summary>
    public const string Notice = "# Spark node set-up from cdk/spark-node-boot.sh and cdk/node-setup.sh; their comment lines are left out to fit EC2's 16 KB user data limit.";

    public static string Body() => Resource(ResourceName);

    /// <summary>
    /// The script without its comment lines (a '#' as the first non-blank character) and blank lines,
    /// the shebang kept. In these scripts such lines are comments wherever they stand, here-documents included
    /// (shell, spark-env.sh, spark-defaults.conf and systemd all read '#' as a comment).
    /// </summary>
    public static string Compact(string script) =>
        string.Join('\n', script.Split('\n').Where((line, i) => (i == 0 && line.StartsWith("#!", StringComparison.Ordinal)) || !(line.TrimStart().StartsWith('#') || line.Trim().Length == 0)));

    public static string BootScript() => Resource(BootResourceName);

    public static string ReadyScript() => Resource(ReadyResourceName);

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>Where a node sends its CloudFormation signal: the stack's name and the node's logical id.</summary>
public sealed record NodeSignal(string StackName, string LogicalId);
