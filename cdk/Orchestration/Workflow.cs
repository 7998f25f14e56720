using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;

namespace Pipeline.Cdk;

/// <summary>
/// A standard state machine from an ASL file, its <c>${...FunctionArn}</c> placeholders (and any
/// others the caller fills) set by DefinitionSubstitutions, logging to its own group, allowed to
/// invoke exactly the functions it names.
/// </summary>
public sealed class Workflow : Construct
{
    /// <param name="substitutions">Values of the definition's placeholders that are not function ARNs (<see cref="AslDefinition.Others"/>).</param>
    public Workflow(
        Construct scope,
        string id,
        AslDefinition definition,
        PipelineFunctions functions,
        string name,
        Duration timeout,
        int taskTimeoutSeconds,
        int logRetentionDays,
        IReadOnlyDictionary<string, string>? substitutions = null)
        : base(scope, id)
    {
        substitutions ??= new Dictionary<string, string>();
        var missing = definition.Others.Where(p => !substitutions.ContainsKey(p)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"{definition.Path}: no value for {string.Join(", ", missing)}", nameof(substitutions));
        }

        var logGroup = new LogGroup(this, "Logs", new LogGroupProps
        {
            // The vended-logs prefix keeps CloudWatch's resource policy small however many machines log.
            LogGroupName = $"/aws/vendedlogs/states/{name}",
            Retention = Retention.Of(logRetentionDays),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        StateMachine = new StateMachine(this, "StateMachine", new StateMachineProps
        {
            StateMachineName = name,
            StateMachineType = StateMachineType.STANDARD,
            // Inline rather than DefinitionBody.FromFile, which would upload the file as an S3 asset.
            DefinitionBody = DefinitionBody.FromString(definition.WithTimeouts((int)timeout.ToSeconds(), taskTimeoutSeconds)),
            DefinitionSubstitutions = definition.Handlers.ToDictionary(LambdaHandlers.ArnPlaceholder, h => functions[h].FunctionArn)
                .Concat(definition.Others.Select(p => KeyValuePair.Create(p, substitutions[p])))
                .ToDictionary(),
            // CDK adds the log-delivery permissions Step Functions documents for this; those
            // logs:*LogDelivery* actions have no resource-level permissions, hence Resource "*".
            Logs = new LogOptions { Destination = logGroup, Level = LogLevel.ALL, IncludeExecutionData = true },
        });

        if (definition.Handlers.Count > 0)
        {
            StateMachine.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "InvokeOwnSteps",
                Actions = ["lambda:InvokeFunction"],
                Resources = definition.Handlers.Select(h => functions[h].FunctionArn).ToArray(),
            }));
        }
    }

    public StateMachine StateMachine { get; }
}
