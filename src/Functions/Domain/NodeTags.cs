namespace Pipeline.Functions.Domain;

/// <summary>Tag keys shared by the CDK app (which sets them) and the fleet adapters (which filter on them).</summary>
public static class NodeTags
{
    public const string Cluster = "SparkCluster";
    public const string Role = "SparkRole";
    public const string MasterRole = "master";
    public const string WorkerRole = "worker";
}
