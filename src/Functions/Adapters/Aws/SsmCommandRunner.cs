using System.Globalization;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Ports;
using CommandInvocation = Pipeline.Functions.Ports.CommandInvocation;

namespace Pipeline.Functions.Adapters.Aws;

/// <summary>SSM Run Command with the AWS-RunShellScript document: no SSH, no keys, no inbound port.</summary>
public sealed class SsmCommandRunner(IAmazonSimpleSystemsManagement ssm) : ICommandRunner
{
    public const string Document = "AWS-RunShellScript";

    public async Task<IReadOnlySet<string>> ReachableAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        var online = new HashSet<string>(StringComparer.Ordinal);
        var request = new DescribeInstanceInformationRequest
        {
            Filters = [new InstanceInformationStringFilter { Key = "InstanceIds", Values = [.. instanceIds] }],
        };
        do
        {
            var response = await ssm.DescribeInstanceInformationAsync(request, cancellationToken).ConfigureAwait(false);
            foreach (var info in response.InstanceInformationList ?? [])
            {
                if (info.PingStatus == PingStatus.Online && info.InstanceId is not null)
                {
                    online.Add(info.InstanceId);
                }
            }

            request.NextToken = response.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));

        return online;
    }

    public async Task<string> SendAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        var send = new SendCommandRequest
        {
            DocumentName = Document,
            InstanceIds = [.. request.InstanceIds],
            Comment = request.Comment.Length > 100 ? request.Comment[..100] : request.Comment,
            Parameters = new Dictionary<string, List<string>>
            {
                ["commands"] = [request.Script],
                ["executionTimeout"] = [request.ExecutionTimeoutSeconds.ToString(CultureInfo.InvariantCulture)],
            },
            // How long SSM may try to deliver; the script's own limit is executionTimeout above.
            TimeoutSeconds = 600,
        };
        if (request.LogGroup is not null)
        {
            send.CloudWatchOutputConfig = new CloudWatchOutputConfig { CloudWatchOutputEnabled = true, CloudWatchLogGroupName = request.LogGroup };
        }

        var response = await ssm.SendCommandAsync(send, cancellationToken).ConfigureAwait(false);
        return response.Command?.CommandId
            ?? throw new PipelineException(ErrorNames.AwsResponseInvalid, "SendCommand answered without a command id");
    }

    public async Task<CommandInvocation> GetAsync(string commandId, string instanceId, CancellationToken cancellationToken)
    {
        GetCommandInvocationResponse response;
        try
        {
            response = await ssm.GetCommandInvocationAsync(new GetCommandInvocationRequest { CommandId = commandId, InstanceId = instanceId }, cancellationToken).ConfigureAwait(false);
        }
        catch (InvocationDoesNotExistException)
        {
            // Right after SendCommand the invocation may not be visible yet: that is "pending", not an error.
            return new CommandInvocation(instanceId, CommandState.NotYetVisible, null, "", "InvocationDoesNotExist");
        }

        var status = response.Status?.Value ?? "";
        var state = status switch
        {
            "Pending" or "InProgress" or "Delayed" or "Cancelling" => CommandState.Pending,
            "Success" => CommandState.Succeeded,
            "Failed" => CommandState.Failed,
            "TimedOut" => CommandState.TimedOut,
            "Cancelled" => CommandState.Cancelled,
            _ => throw new PipelineException(ErrorNames.AwsResponseInvalid, $"GetCommandInvocation for {commandId} on {instanceId} returned an unknown status {BatchDate.Describe(status)}"),
        };
        var exitCode = response.ResponseCode is { } code && code >= 0 ? code : (int?)null;
        return new CommandInvocation(instanceId, state, exitCode, response.StandardErrorContent ?? "", status);
    }
}
