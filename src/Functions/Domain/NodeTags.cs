namespace Pipeline.Functions.Domain;

/// <summary>Tag keys shared by the CDK app (which sets them) and the fleet adapters (which filter on them).</summary>
public static class NodeTags
{
    public const string Cluster = "SparkCluster";
    public const string Role = "SparkRole";
    public const string MasterRole = "master";
    public const string WorkerRole = "worker";

    /// <summary>
    /// Set by a node on itself once its first-boot set-up finished and passed its smoke check; the
    /// sweeper leaves a node without it alone (it may still be installing Java and Spark).
    /// </summary>
    public const string Setup = "SparkNodeSetup";
    public const string SetupComplete = "complete";

    /// <summary>
    /// How long a node started without the set-up tag is left to finish its set-up before the sweeper
    /// may stop it (a set-up that never completes must not keep a node running for ever). The CDK
    /// app's creation timeout (deployment.nodeSetupTimeoutMinutes) may not be longer.
    /// </summary>
    public const int SetupGraceMinutes = 120;
}
