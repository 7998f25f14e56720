using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

public sealed class StorageTests
{
    private static Synthesized Default => Synth.DefaultStack;

    [Fact]
    public void The_data_bucket_is_created_with_the_configured_name_encrypted_and_private()
    {
        var bucket = Assert.Single(Default.Resources("AWS::S3::Bucket")).Resource;

        Assert.Equal("pothole-pipeline-data", bucket["Properties"]!["BucketName"]!.GetValue<string>());
        Assert.Equal("AES256", bucket["Properties"]!["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!.GetValue<string>());
        Assert.Equal("""{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}""", bucket["Properties"]!["PublicAccessBlockConfiguration"]!.ToJsonString());
    }

    [Fact]
    public void The_data_bucket_outlives_the_stack()
    {
        Assert.Equal("Retain", Assert.Single(Default.Resources("AWS::S3::Bucket")).Resource["DeletionPolicy"]!.GetValue<string>());
    }

    [Fact]
    public void The_data_bucket_refuses_plain_HTTP()
    {
        var bucketId = Assert.Single(Default.Resources("AWS::S3::Bucket")).Id;
        var policy = Assert.Single(Default.Resources("AWS::S3::BucketPolicy")).Resource["Properties"]!;
        var deny = Assert.Single(policy["PolicyDocument"]!["Statement"]!.AsArray(), s => s!["Condition"]?.ToJsonString() == """{"Bool":{"aws:SecureTransport":"false"}}""")!;

        Assert.Equal(bucketId, policy["Bucket"]!["Ref"]!.GetValue<string>());
        Assert.Equal(("Deny", "s3:*", """{"AWS":"*"}"""), (deny["Effect"]!.GetValue<string>(), deny["Action"]!.GetValue<string>(), deny["Principal"]!.ToJsonString()));
    }

    [Fact]
    public void The_data_bucket_is_versioned()
    {
        var bucket = Assert.Single(Default.Resources("AWS::S3::Bucket")).Resource["Properties"]!;

        Assert.Equal("Enabled", bucket["VersioningConfiguration"]!["Status"]!.GetValue<string>());
    }

    [Fact]
    public void Old_versions_and_abandoned_uploads_expire()
    {
        var rule = Rule(Default, "ExpireOldVersions");

        Assert.Equal("Enabled", rule["Status"]!.GetValue<string>());
        Assert.Equal(Default.Settings.Deployment.NoncurrentVersionRetentionDays, rule["NoncurrentVersionExpiration"]!["NoncurrentDays"]!.GetValue<int>());
        Assert.Equal(7, rule["AbortIncompleteMultipartUpload"]!["DaysAfterInitiation"]!.GetValue<int>());
        Assert.Null(rule["ExpirationInDays"]);
    }

    [Fact]
    public void Cdk_destroy_keeps_the_data_bucket_and_nothing_else()
    {
        // What the README's teardown promises: the bucket (input, outputs, run records, event logs) outlives the stack.
        var retained = Default.Json["Resources"]!.AsObject()
            .Where(r => r.Value!["DeletionPolicy"]?.GetValue<string>() is "Retain" or "RetainExceptOnCreate" || r.Value!["UpdateReplacePolicy"]?.GetValue<string>() == "Retain")
            .Select(r => r.Value!["Type"]!.GetValue<string>());

        Assert.Equal(["AWS::S3::Bucket"], retained);
    }

    [Fact]
    public void Old_versions_expire_after_noncurrentVersionRetentionDays()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["noncurrentVersionRetentionDays"] = 7);

        Assert.Equal(7, Rule(synthesized, "ExpireOldVersions")["NoncurrentVersionExpiration"]!["NoncurrentDays"]!.GetValue<int>());
    }

    [Fact]
    public void Spark_event_logs_expire_after_sparkEventLogRetentionDays()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["sparkEventLogRetentionDays"] = 45);
        var rule = Rule(synthesized, "ExpireSparkEventLogs");

        Assert.Equal(("spark-events/", 45), (rule["Prefix"]!.GetValue<string>(), rule["ExpirationInDays"]!.GetValue<int>()));
    }

    [Fact]
    public void A_sparkEventLogRetentionDays_of_0_keeps_event_logs()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["sparkEventLogRetentionDays"] = 0);

        Assert.DoesNotContain(Rules(synthesized), r => r!["Id"]!.GetValue<string>() == "ExpireSparkEventLogs");
    }

    private static System.Text.Json.Nodes.JsonArray Rules(Synthesized s) =>
        Assert.Single(s.Resources("AWS::S3::Bucket")).Resource["Properties"]!["LifecycleConfiguration"]!["Rules"]!.AsArray();

    private static System.Text.Json.Nodes.JsonNode Rule(Synthesized s, string id) => Assert.Single(Rules(s), r => r!["Id"]!.GetValue<string>() == id)!;

    [Fact]
    public void An_existing_bucket_is_used_by_name_and_not_created()
    {
        var synthesized = Synth.Stack(c => c.Deployment()["createBucket"] = false);
        var nodeList = synthesized.StatementsOfRole(ClusterTests.NodeRoleId(synthesized)).Single(s => s.Actions.Contains("s3:ListBucket"));

        synthesized.Template.ResourceCountIs("AWS::S3::Bucket", 0);
        Assert.Contains(":s3:::pothole-pipeline-data", nodeList.ResourceTexts.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_lock_table_is_keyed_by_cluster_name()
    {
        Default.Template.HasResourceProperties("AWS::DynamoDB::Table", new Dictionary<string, object>
        {
            ["TableName"] = "pothole-spark-lock",
            ["KeySchema"] = new object[] { new Dictionary<string, object> { ["AttributeName"] = Orchestration.LockKey, ["KeyType"] = "HASH" } },
            ["AttributeDefinitions"] = new object[] { new Dictionary<string, object> { ["AttributeName"] = Orchestration.LockKey, ["AttributeType"] = "S" } },
            ["BillingMode"] = "PAY_PER_REQUEST",
        });
    }
}
