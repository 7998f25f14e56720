using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Functions.Adapters.Emulator;

/// <summary>
/// Faults for runs against a local AWS emulator, read from the JSON file named by
/// PIPELINE_FAULTS_FILE. They let the acceptance suite and `./pipeline local --fail-stage` make the
/// outside world misbehave without touching the state machine or the handlers' logic:
/// <code>
/// {
///   "agentsOffline": ["worker"],                      // these roles' SSM agents never come online
///   "commands": [{ "commentContains": "stage1_anomaly_detection",
///                  "status": "Failed", "exitCode": 1, "stderr": "..." }],  // how a matching command ends
///   "awsErrors": [{ "operation": "StopInstances", "code": "RequestLimitExceeded", "times": 1 }]
/// }
/// </code>
/// "times" is counted across processes in a file beside the plan (PIPELINE_FAULTS_FILE + ".used").
/// </summary>
public sealed record FaultPlan
{
    public const string Variable = "PIPELINE_FAULTS_FILE";

    public IReadOnlyList<string> AgentsOffline { get; set; } = [];

    public IReadOnlyList<CommandFault> Commands { get; set; } = [];

    public IReadOnlyList<AwsFault> AwsErrors { get; set; } = [];

    /// <summary>Handlers that hang (until the harness kills the process, as Lambda ends a timed-out invocation), before or after they act.</summary>
    public IReadOnlyList<HangFault> Hangs { get; set; } = [];

    /// <summary>Nodes of a role that EC2 starts and that fall back to stopped with a reason (as with an EBS key they may not use).</summary>
    public IReadOnlyList<FallBackFault> StartFallsBack { get; set; } = [];

    [JsonIgnore]
    public string? UsedFile { get; set; }

    public static FaultPlan Load(Func<string, string?> environment)
    {
        var path = environment(Variable);
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return new FaultPlan();
        }

        var plan = JsonSerializer.Deserialize(File.ReadAllText(path), FaultJson.Default.FaultPlan) ?? new FaultPlan();
        plan.UsedFile = path + ".used";
        return plan;
    }

    /// <summary>The fault to raise for this operation now, if one is due; each use is recorded so "times" holds across processes.</summary>
    public AwsFault? Due(string operation) => Take(AwsErrors, f => f.Operation == operation, f => f.Times, operation);

    /// <summary>Whether this handler should hang now, at this point ("before" it acts or "after").</summary>
    /// <summary>The fall-back due for a node of this role now, if any.</summary>
    public FallBackFault? FallBackDue(string role) => Take(StartFallsBack, f => f.Role == role, f => f.Times, $"fallback:{role}");

    public bool HangDue(string handler, string when) => Take(Hangs, h => h.Handler == handler && h.When == when, h => h.Times, $"hang:{handler}:{when}") is not null;

    private T? Take<T>(IReadOnlyList<T> faults, Func<T, bool> matches, Func<T, int> times, string what)
        where T : class
    {
        for (var i = 0; i < faults.Count; i++)
        {
            var fault = faults[i];
            if (!matches(fault))
            {
                continue;
            }

            var key = $"{i}:{what}";
            var used = UsedFile is not null && File.Exists(UsedFile) ? File.ReadAllLines(UsedFile).Count(l => l == key) : 0;
            if (used < times(fault))
            {
                if (UsedFile is not null)
                {
                    File.AppendAllLines(UsedFile, [key]);
                }

                return fault;
            }
        }

        return null;
    }
}

public sealed record CommandFault
{
    public string CommentContains { get; set; } = "";

    /// <summary>Failed, TimedOut, Cancelled or Pending (never finishes).</summary>
    public string Status { get; set; } = "Failed";

    public int? ExitCode { get; set; } = 1;

    public string Stderr { get; set; } = "";
}

public sealed record FallBackFault
{
    public string Role { get; set; } = "worker";

    public string Reason { get; set; } = "Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state";

    public int Times { get; set; } = 1;
}

public sealed record HangFault
{
    public string Handler { get; set; } = "";

    /// <summary>"before": hangs before doing anything; "after": acts, then hangs instead of answering.</summary>
    public string When { get; set; } = "before";

    public int Times { get; set; } = 1;
}

public sealed record AwsFault
{
    public string Operation { get; set; } = "";

    public string Code { get; set; } = "RequestLimitExceeded";

    public int Times { get; set; } = 1;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(FaultPlan))]
internal sealed partial class FaultJson : JsonSerializerContext;
