using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Pipeline.Cdk.Settings;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk;

/// <summary>What the nodes themselves do beyond the SSM agent: sync the code, run Spark over S3A, keep Spark's event logs, stream command output, read the Spark secret.</summary>
public static class NodePermissions
{
    public static IEnumerable<PolicyStatement> Statements(AppSettings settings, IBucket bucket, ILogGroup? commandLogGroup, ISecret authSecret)
    {
        var prefixes = new BucketPrefixes(settings.Pipeline);

        // Unconditional on purpose: without s3:ListBucket S3 answers 403 instead of 404 for a missing key,
        // and S3A treats 403 as fatal when it checks whether an output path already exists.
        yield return Allow("ListDataBucket", ["s3:ListBucket"], [bucket.BucketArn]);
        yield return Allow("ReadPipelinePrefixes", ["s3:GetObject"], prefixes.NodeReadFolders.Select(folder => bucket.ArnForObjects(folder + "*")).ToArray());
        yield return Allow(
            "WriteStageOutputs",
            ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            prefixes.NodeWriteFolders.Select(folder => bucket.ArnForObjects(folder + "*")).ToArray());

        // Spark's event logs (spark.eventLog.dir): S3A writes each application's log as ".inprogress" and
        // renames it when the application ends, a copy (read, write) and a delete; large logs go up in
        // parts. Listing is covered by ListDataBucket above.
        if (prefixes.EventLogFolder is { } eventLogs)
        {
            yield return Allow("SparkEventLogs", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], [bucket.ArnForObjects(eventLogs + "*")]);

            // When a SparkContext starts, S3A asks whether the log directory exists: first a HEAD of the
            // bare key ("spark-events", no slash), then a listing. Without s3:GetObject on that exact key
            // S3 answers the HEAD with 403, which S3A treats as fatal: every stage would fail to start.
            yield return Allow("SparkEventLogDirectory", ["s3:GetObject"], [bucket.ArnForObjects(eventLogs.TrimEnd('/'))]);
        }

        // The set-up marks its own instance as set up once its smoke check passed (the sweeper leaves
        // nodes without the mark alone): CreateTags only on the calling instance itself (aws:ARN is the
        // target, ec2:SourceInstanceARN the instance the role's credentials were issued to), only on
        // this cluster's instances, only that one key with that one value.
        yield return new PolicyStatement(new PolicyStatementProps
        {
            Sid = "TagOwnInstanceSetUp",
            Effect = Effect.ALLOW,
            Actions = ["ec2:CreateTags"],
            Resources = [Stack.Of(bucket).FormatArn(new ArnComponents { Service = "ec2", Resource = "instance", ResourceName = "*" })],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object>
                {
                    ["aws:ARN"] = "${ec2:SourceInstanceARN}",
                    [$"aws:ResourceTag/{NodeTags.Cluster}"] = settings.Pipeline.ClusterName,
                    [$"aws:RequestTag/{NodeTags.Setup}"] = NodeTags.SetupComplete,
                },
                ["ForAllValues:StringEquals"] = new Dictionary<string, object> { ["aws:TagKeys"] = new[] { NodeTags.Setup } },
            },
        });

        // The boot script reads the Spark RPC secret; this one secret, read only.
        yield return Allow("ReadSparkSecret", ["secretsmanager:GetSecretValue"], [authSecret.SecretArn]);

        if (commandLogGroup is not null)
        {
            yield return Allow("WriteCommandOutput", ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], [commandLogGroup.LogGroupArn]);
            // The agent looks its group up before writing; DescribeLogGroups cannot be narrowed to one group.
            yield return Allow(
                "FindCommandLogGroup",
                ["logs:DescribeLogGroups"],
                [Stack.Of(commandLogGroup).FormatArn(new ArnComponents { Service = "logs", Resource = "log-group", ResourceName = "*", ArnFormat = ArnFormat.COLON_RESOURCE_NAME })]);
        }
    }

    private static PolicyStatement Allow(string sid, string[] actions, string[] resources) =>
        new(new PolicyStatementProps { Sid = sid, Effect = Effect.ALLOW, Actions = actions, Resources = resources });
}
