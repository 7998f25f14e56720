using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;

namespace Pipeline.Cdk;

/// <summary>
/// A standard state machine from an ASL file, its <c>${...FunctionArn}</c> placeholders filled by
/// DefinitionSubstitutions, logging to its own group, allowed to invoke exactly the functions it names.
/// </summary>
public sealed class Workflow : Construct
{
    public Workflow(Construct scope, string id, AslDefinition definition, PipelineFunctions functions, string name, Duration timeout, int logRetentionDays)
        : base(scope, id)
    {
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
            DefinitionBody = DefinitionBody.FromString(definition.WithTimeout((int)timeout.ToSeconds())),
            DefinitionSubstitutions = definition.Handlers.ToDictionary(LambdaHandlers.ArnPlaceholder, h => functions[h].FunctionArn),
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
