using System.Reflection;
using Pipeline.Cdk.Settings;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk;

/// <summary>
/// The user data of a node: the settings as quoted exports, then cdk/node-setup.sh (kept a plain
/// file so shellcheck can check it). Values go through the same quoting as every command the
/// pipeline sends, so no setting can turn into shell syntax.
/// </summary>
public static class NodeSetupScript
{
    public const string ResourceName = "node-setup.sh";

    public static IReadOnlyList<string> Lines(AppSettings settings, string nodeRole)
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
            .Build();

        // UserData.ForLinux writes its own "#!/bin/bash" first line.
        var body = Body().Split('\n').SkipWhile(line => line.StartsWith("#!", StringComparison.Ordinal));
        return [.. exports.TrimEnd('\n').Split('\n'), .. body];
    }

    public static string Body()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
