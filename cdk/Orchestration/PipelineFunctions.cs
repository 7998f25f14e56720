using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Pipeline.Cdk.Settings;
using Function = Amazon.CDK.AWS.Lambda.Function;

namespace Pipeline.Cdk;

/// <summary>
/// One function per handler, all from the same Native AOT <c>bootstrap</c>; the runtime passes the
/// handler name as _HANDLER. Each has its own role and log group, so each can do only its own calls
/// and its logs expire.
/// </summary>
public sealed class PipelineFunctions : Construct
{
    public const string SettingsVariable = "PIPELINE_SETTINGS";

    private readonly Dictionary<string, Function> functions = new(StringComparer.Ordinal);

    private readonly Dictionary<string, LogGroup> logGroups = new(StringComparer.Ordinal);

    public PipelineFunctions(Construct scope, string id, AppSettings settings, HandlerResources resources)
        : base(scope, id)
    {
        var deployment = settings.Deployment;
        // One asset for all functions; the debug symbols stay behind (they are larger than the binary).
        var code = Code.FromAsset(settings.FunctionsAsset, new Amazon.CDK.AWS.S3.Assets.AssetOptions { Exclude = ["*.dbg"] });
        var settingsJson = settings.SettingsJsonText;

        foreach (var handler in LambdaHandlers.Names)
        {
            var name = $"{settings.Pipeline.ClusterName}-{handler}";
            var logGroup = new LogGroup(this, $"{handler}Logs", new LogGroupProps
            {
                LogGroupName = $"/aws/lambda/{name}",
                Retention = Retention.Of(deployment.LogRetentionDays),
                RemovalPolicy = RemovalPolicy.DESTROY,
            });

            // Not the AWSLambdaBasicExecutionRole managed policy: it allows writing to every log group.
            var role = new Role(this, $"{handler}Role", new RoleProps
            {
                AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
                Description = $"{name}: its own log group and the AWS calls of the {handler} handler",
            });
            role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "OwnLogs",
                Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resources = [logGroup.LogGroupArn],
            }));
            foreach (var statement in HandlerPermissions.For(handler, resources))
            {
                role.AddToPolicy(statement);
            }

            var function = new Function(this, handler, new FunctionProps
            {
                FunctionName = name,
                Description = $"{handler} step of the {settings.Pipeline.ClusterName} Spark pipeline",
                Runtime = Runtime.PROVIDED_AL2023,
                Architecture = Architecture.X86_64,
                Handler = handler,
                Code = code,
                MemorySize = deployment.FunctionMemoryMiB,
                Timeout = Duration.Seconds(settings.Pipeline.FunctionTimeoutSeconds),
                Role = role,
                LogGroup = logGroup,
                Environment = new Dictionary<string, string> { [SettingsVariable] = settingsJson },
            });
            functions[handler] = function;
            logGroups[handler] = logGroup;
        }
    }

    public IFunction this[string handler] => functions[handler];

    public ILogGroup LogGroupOf(string handler) => logGroups[handler];
}
