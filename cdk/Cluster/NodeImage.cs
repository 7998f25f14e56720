using Amazon.CDK;
using Amazon.CDK.AWS.SSM;
using Constructs;
using Pipeline.Cdk.Settings;

namespace Pipeline.Cdk;

/// <summary>
/// The AMI of the Spark nodes, fixed when the stack is synthesized, never resolved by CloudFormation
/// at deploy time: with the "latest Amazon Linux 2023" SSM parameter in the template, the first
/// deploy after AWS publishes a new image (for any change, e.g. one more worker) would replace every
/// node, run their first boot again and leave two sets of tagged nodes meanwhile.
///
/// In order: <c>deployment.amiId</c>; else the Amazon Linux 2023 image recorded in cdk.context.json
/// (CDK's own context lookup of the same SSM parameter, made once by a synth with credentials:
/// <c>./pipeline synth --record-ami</c>); else, offline with nothing recorded, a template parameter
/// without a default, so that CloudFormation refuses to deploy until an AMI is given, before it
/// creates anything.
/// </summary>
public sealed record NodeImage(string ImageId, string Source)
{
    /// <summary>The SSM parameter CDK's MachineImage.latestAmazonLinux2023() reads (x86_64, kernel 6.1).</summary>
    public const string Al2023Parameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64";

    /// <summary>Context key (-c recordAmi=true) that asks the synth to look the image up and record it.</summary>
    public const string RecordContextKey = "recordAmi";

    /// <summary>The template parameter an offline synth leaves for the AMI.</summary>
    public const string ParameterId = "NodeImageId";

    public const string FromSetting = "deployment.amiId";

    public const string FromRecordedLookup = "cdk.context.json";

    public const string FromParameter = "template parameter " + ParameterId;

    /// <summary>The context key under which CDK records the lookup of <see cref="Al2023Parameter"/> for this stack's account and region.</summary>
    public static string LookupKey(Construct scope) =>
        ContextProvider.GetKey(scope, new GetContextKeyOptions
        {
            Provider = "ssm",
            Props = new Dictionary<string, object> { ["parameterName"] = Al2023Parameter },
        }).Key;

    public static NodeImage Choose(Construct scope, AppSettings settings)
    {
        var deployment = settings.Deployment;
        if (!string.IsNullOrEmpty(deployment.AmiId))
        {
            return new NodeImage(deployment.AmiId, FromSetting);
        }

        var record = scope.Node.TryGetContext(RecordContextKey) is true or "true";
        var recorded = !string.IsNullOrEmpty(deployment.Account) && scope.Node.TryGetContext(LookupKey(scope)) is string;
        if (record && string.IsNullOrEmpty(deployment.Account))
        {
            throw new SettingsException([$"deployment.account: recording the node image ({RecordContextKey}) looks it up in one account; set the 12-digit account id"]);
        }

        if (record || recorded)
        {
            // With the value recorded this reads cdk.context.json; without, the CLI looks it up with the
            // caller's credentials and records it there.
            return new NodeImage(StringParameter.ValueFromLookup(scope, Al2023Parameter), FromRecordedLookup);
        }

        var parameter = new Amazon.CDK.CfnParameter(Stack.Of(scope), ParameterId, new Amazon.CDK.CfnParameterProps
        {
            Type = "AWS::EC2::Image::Id",
            Description = $"The Spark nodes' AMI. This template was synthesized offline with no AMI fixed: set deployment.amiId, or record the Amazon Linux 2023 image once with `./pipeline synth --record-ami` (credentials needed), then synthesize again.",
        });
        return new NodeImage(parameter.ValueAsString, FromParameter);
    }
}
