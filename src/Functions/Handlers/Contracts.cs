namespace Pipeline.Functions.Handlers;

// The JSON each state hands to the next. Handlers take a batch date and stage *names*, never
// prefixes or command text, and rebuild the rest from settings: nothing that reaches S3 or a
// shell is trusted from the state machine's data.

public sealed record ResolveRunOutput(
    string BatchDate,
    string ClusterName,
    string Bucket,
    string InputPrefix,
    int WorkerCount,
    IReadOnlyList<StageOutline> Stages,
    IReadOnlyList<string> StageNames,
    int StageCount,
    string? InputWaitDeadline);

public sealed record StageOutline(string Name, string OutputPrefix, int TimeoutSeconds, IReadOnlyList<string> SparkSubmitArgv);

public sealed record DateInput(string? BatchDate);

public sealed record CheckInputInput(string? BatchDate, string? WaitDeadline);

/// <summary>Ready when the input is there; otherwise (sensor mode) when to look again.</summary>
public sealed record CheckInputOutput(string Bucket, string Prefix, bool Ready, int ObjectCount, bool MoreObjects, string? FirstKey, int WaitSeconds);

public sealed record PrefixReport(string Bucket, string Prefix, int ObjectCount, bool MoreObjects, string? FirstKey);

public sealed record RunInput(string? RunId);

/// <summary>The lock a run was granted: every action on the cluster is checked against it (fencing).</summary>
public sealed record LockRef(string? RunId, long Token);

/// <summary>Input of a task that acts on the cluster: nothing but the lock it acts under.</summary>
public sealed record LockedInput(LockRef? Lock);

public sealed record AcquireLockOutput(string ClusterName, string RunId, long Token, string AcquiredAt, string LeaseUntil, string? TookOverFrom);

/// <summary>Whether the run still holds the lock (its lease extended if so); <see cref="Lock"/> is what cleanup acts under.</summary>
public sealed record ConfirmLockOutput(bool Held, LockRef? Lock, string Detail);

public sealed record ReleaseLockOutput(string ClusterName, string RunId, bool Released, string? HeldBy);

public sealed record AbandonLockInput(LockRef? Lock, string? Reason);

/// <summary>The lock handed to the sweeper because cleanup failed, and the nodes it leaves running.</summary>
public sealed record AbandonLockOutput(bool Abandoned, IReadOnlyList<string> LeftRunning, string Detail);

public sealed record NodeReport(string InstanceId, string Role, string State, string? PrivateAddress, bool? Reachable);

public sealed record StartClusterOutput(
    string ClusterName,
    IReadOnlyList<string> Started,
    IReadOnlyList<string> AlreadyRunning,
    IReadOnlyList<NodeReport> Nodes,
    string ReadyDeadline,
    int WaitSeconds,
    int Attempt = 0);

public sealed record StopClusterOutput(string ClusterName, IReadOnlyList<string> Stopping, IReadOnlyList<string> AlreadyStopped);

public sealed record ClusterStatusInput(string? ReadyDeadline, int Attempt, LockRef? Lock);

public sealed record ClusterStatusOutput(
    bool Ready,
    string? MasterAddress,
    IReadOnlyList<NodeReport> Nodes,
    int Attempt,
    int WaitSeconds,
    string ReadyDeadline);

/// <summary>One SSM command and the instances it went to; what CommandStatus polls.</summary>
public sealed record CommandRef(string CommandId, IReadOnlyList<string> InstanceIds, string Purpose);

/// <summary>
/// Commands just sent, in the same shape CommandStatus returns, so the state machine's poll loop
/// keeps one object ($.command) that each status check replaces.
/// </summary>
public sealed record CommandsOutput(IReadOnlyList<CommandRef> Commands, string Deadline, int WaitSeconds, IReadOnlyList<string> Skipped, int Attempt = 0, bool Done = false);

/// <summary>A stage of a date; <see cref="Lock"/> only where the task acts on the cluster (SubmitStage).</summary>
public sealed record StageInput(string? BatchDate, string? Stage, LockRef? Lock = null);

public sealed record StageCommandOutput(string Stage, string BatchDate, IReadOnlyList<CommandRef> Commands, string Deadline, int WaitSeconds, int Attempt = 0, bool Done = false);

public sealed record CommandStatusInput(IReadOnlyList<CommandRef>? Commands, string? Deadline, int Attempt, LockRef? Lock);

public sealed record InvocationReport(string CommandId, string InstanceId, string Status, int? ExitCode);

public sealed record CommandStatusOutput(
    bool Done,
    string Status,
    IReadOnlyList<CommandRef> Commands,
    string Deadline,
    int Attempt,
    int WaitSeconds,
    IReadOnlyList<InvocationReport> Invocations);

public sealed record EmptyInput;

/// <summary>What the state machine knows at the end of a run; the record adds what S3 holds.</summary>
public sealed record RecordRunInput(
    string? RunId,
    string? BatchDate,
    string? Status,
    string? StartedAt,
    string? ClusterAcquiredAt,
    System.Text.Json.Nodes.JsonNode? Error,
    System.Text.Json.Nodes.JsonNode? Commands,
    System.Text.Json.Nodes.JsonNode? Cleanup = null);

public sealed record RunRecordKey(string Bucket, string Key, string Status);

public sealed record ScheduledInput(string ScheduledTime);

/// <summary>One date of a backfill: run or skip, why, and the child execution's name.</summary>
public sealed record BackfillDate(string Date, string Action, string Reason, string ExecutionName);

public sealed record BackfillPlan(string BackfillId, string From, string To, string Mode, IReadOnlyList<BackfillDate> Dates, int ToRun);

/// <summary>
/// What the sweeper did: idle, run-in-progress, maintenance-hold, stopped-forgotten-nodes or
/// released-stale-lock; which nodes it left alone because their first-boot set-up has not completed.
/// </summary>
public sealed record SweepOutput(string ClusterName, string Action, IReadOnlyList<string> Stopped, string? ReleasedStaleLockOf, string? HeldBy, IReadOnlyList<string>? SettingUp = null, string? Detail = null);
