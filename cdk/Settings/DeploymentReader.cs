using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Cdk.Settings;

/// <summary>Reads the <c>deployment</c> context object; every setting is required so what is deployed is what cdk.json says.</summary>
public static partial class DeploymentReader
{
    /// <summary>The retention periods CloudWatch Logs accepts.</summary>
    public static readonly IReadOnlyList<int> RetentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

    public static DeploymentSettings Read(JsonElement value, List<string> problems)
    {
        const string at = "deployment";
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{at}: expected a JSON object in cdk.json context, got {value.ValueKind}");
            value = JsonDocument.Parse("{}").RootElement;
        }

        var f = new JsonFields(value, at, problems);
        var region = f.String("region", RegionPattern(), "an AWS region such as \"ap-northeast-2\"", 25);
        var settings = new DeploymentSettings
        {
            Account = f.String("account", AccountPattern(), "a 12-digit AWS account id, or \"\" for the account of the deploying credentials"),
            Region = region,
            AvailabilityZone = f.String("availabilityZone", ZonePattern(), "an availability zone of the region such as \"ap-northeast-2a\"", 26),
            StackName = f.String("stackName", StackNamePattern(), "a CloudFormation stack name: a letter, then up to 127 of A-Z, a-z, 0-9 and '-'"),
            CreateBucket = f.Bool("createBucket"),
            VpcCidr = f.String("vpcCidr", VpcCidr.IsValid, VpcCidr.Expected, 18),
            NatGateway = f.Bool("natGateway"),
            MasterInstanceType = f.String("masterInstanceType", InstanceTypePattern(), X86InstanceType, 32),
            WorkerInstanceType = f.String("workerInstanceType", InstanceTypePattern(), X86InstanceType, 32),
            RootVolumeGiB = f.Int("rootVolumeGiB", 20, 1024),
            AmiId = f.String("amiId", AmiPattern(), "an AMI id such as \"ami-0123456789abcdef0\", or \"\" for the Amazon Linux 2023 image recorded in cdk.context.json"),
            NodeSetupTimeoutMinutes = f.Int("nodeSetupTimeoutMinutes", MinNodeSetupMinutes, MaxNodeSetupMinutes),
            EbsKmsKeyArn = f.String("ebsKmsKeyArn", KmsKeyArnPattern(), "the ARN of a KMS key (arn:aws:kms:REGION:ACCOUNT:key/ID) for the nodes' root volumes, or \"\" for the AWS-managed key", 2048),
            SparkEventLogRetentionDays = f.Int("sparkEventLogRetentionDays", 0, 3650, "0 (keep) or a whole number of days from 1 to 3650"),
            NoncurrentVersionRetentionDays = f.Int("noncurrentVersionRetentionDays", 1, 3650),
            WorkerAppDataRetentionHours = f.Int("workerAppDataRetentionHours", 1, 8760),
            SparkVersion = f.String("sparkVersion", SparkVersionPattern(), "a Spark release such as \"3.5.7\" (3.x or 4.x, built for Hadoop 3)"),
            SparkDownloadUrl = f.String("sparkDownloadUrl", DownloadUrlPattern(), "an https:// or s3:// address of the Spark .tgz of at most 1024 characters; {version} is replaced by sparkVersion", 1024),
            PythonPackages = f.StringList("pythonPackages", PipRequirementPattern(), "a pip requirement of at most 100 characters such as \"pyarrow==17.0.0\"", 50, 100),
            StopNodesAfterSetup = f.Bool("stopNodesAfterSetup"),
            ScheduleCron = f.String("scheduleCron", ScheduleCron.IsValid, ScheduleCron.Expected),
            ScheduleEnabled = f.Bool("scheduleEnabled"),
            SweepMinutes = f.Int("sweepMinutes", 0, MaxSweepMinutes, SweepMinutesExpected),
            AlertEmail = f.String("alertEmail", EmailPattern(), "an e-mail address of at most 254 characters for failure alerts, or \"\" for none", 254),
            LogRetentionDays = f.Int("logRetentionDays", 1, 3653, $"one of the CloudWatch Logs retention periods in days: {string.Join(", ", RetentionDays)}"),
            FunctionMemoryMiB = f.Int("functionMemoryMiB", 128, 10240),
        };
        f.RejectUnknown();

        if (settings.LogRetentionDays != 0 && !RetentionDays.Contains(settings.LogRetentionDays))
        {
            problems.Add($"{at}.logRetentionDays: expected one of {string.Join(", ", RetentionDays)}, got {settings.LogRetentionDays}");
        }

        if (settings.SweepMinutes is > 0 and < MinSweepMinutes)
        {
            problems.Add($"{at}.sweepMinutes: expected {SweepMinutesExpected}, got {settings.SweepMinutes}");
        }

        if (region.Length > 0 && settings.AvailabilityZone.Length > 0
            && !(settings.AvailabilityZone.Length == region.Length + 1 && settings.AvailabilityZone.StartsWith(region, StringComparison.Ordinal)))
        {
            problems.Add($"{at}.availabilityZone: expected a zone of region {region} such as \"{region}a\", got \"{settings.AvailabilityZone}\"");
        }

        if (settings.NatGateway && settings.VpcCidr.Length > 0 && VpcCidr.PrefixLength(settings.VpcCidr) > 23)
        {
            problems.Add($"{at}.vpcCidr: with natGateway the VPC holds two /24 subnets (public and nodes), so it must be /23 or larger, got \"{settings.VpcCidr}\"");
        }

        if (settings.EbsKmsKeyArn.Length > 0 && region.Length > 0 && settings.EbsKmsKeyArn.Split(':')[3] != region)
        {
            problems.Add($"{at}.ebsKmsKeyArn: a volume's key must be in the stack's region {region}, got \"{settings.EbsKmsKeyArn}\"");
        }

        return settings;
    }

    /// <summary>
    /// A first boot downloads Java, Spark (~400 MB) and the S3A jars; 10 minutes is too short on a slow
    /// mirror, and CloudFormation waits at most 12 hours for a signal.
    /// </summary>
    public const int MinNodeSetupMinutes = 10;

    // A first boot may not take longer than the sweeper waits for a node without its set-up tag.
    public const int MaxNodeSetupMinutes = Pipeline.Functions.Domain.NodeTags.SetupGraceMinutes;

    /// <summary>
    /// A sweep takes the lock while it acts; more often than every 5 minutes it would mostly contend
    /// with runs starting, and a day is the longest a forgotten cluster should run unnoticed.
    /// </summary>
    public const int MinSweepMinutes = 5;

    public const int MaxSweepMinutes = 1440;

    private const string SweepMinutesExpected = "0 (no sweeper) or a whole number of minutes from 5 to 1440";

    private const string X86InstanceType =
        "an x86_64 EC2 instance type such as \"t3.large\" (the nodes run the x86_64 Amazon Linux 2023 image, so Graviton types such as t4g or m7g do not fit)";

    [GeneratedRegex(@"^([0-9]{12})?\z")]
    private static partial Regex AccountPattern();

    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-[0-9]\z")]
    private static partial Regex RegionPattern();

    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-[0-9][a-z]\z")]
    private static partial Regex ZonePattern();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9-]{0,127}\z")]
    private static partial Regex StackNamePattern();

    // Graviton families carry a 'g' after the generation digit (t4g, m7gd, c6gn) or are a1; mac
    // instances need dedicated hosts and run macOS, not Amazon Linux.
    [GeneratedRegex(@"^(?!a1\.)(?!mac)(?![a-z]+[0-9]+[a-z-]*g[a-z-]*\.)[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[a-z0-9]+\z")]
    private static partial Regex InstanceTypePattern();

    [GeneratedRegex(@"^(ami-[0-9a-f]{8,17})?\z")]
    private static partial Regex AmiPattern();

    [GeneratedRegex(@"^(arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:key/[A-Za-z0-9-]{1,128})?\z")]
    private static partial Regex KmsKeyArnPattern();

    [GeneratedRegex(@"^[34]\.[0-9]{1,2}\.[0-9]{1,2}\z")]
    private static partial Regex SparkVersionPattern();

    [GeneratedRegex(@"^(https|s3)://[A-Za-z0-9.-]+(/[A-Za-z0-9._~{}%+=-]+)+\.(tgz|tar\.gz)\z")]
    private static partial Regex DownloadUrlPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,_-]+\])?((==|>=|<=|~=|!=|<|>)[A-Za-z0-9.*+!-]+)?\z")]
    private static partial Regex PipRequirementPattern();

    [GeneratedRegex(@"^([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)?\z")]
    private static partial Regex EmailPattern();
}
