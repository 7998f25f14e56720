namespace Pipeline.Functions.Domain;

/// <summary>
/// What a run can take at worst, from its settings alone: how long the lock may go unrenewed, how
/// long the run lasts when every deadline is used in full, and how many history events that makes.
/// The settings validator refuses settings that break a bound; `bootstrap plan` prints the figures.
/// The retry constants mirror the standard Retry list of every Lambda Task in statemachine/*.asl.json
/// (a CDK test checks them against the synthesized definitions).
/// </summary>
public static class RunBudget
{
    /// <summary>Retries of a Lambda Task after its first attempt.</summary>
    public const int TaskRetries = 4;

    /// <summary>The standard retry delays together: 2 + 4 + 8 + 16 s (backoff 2, each below the 30 s ceiling).</summary>
    public const int RetryDelaySeconds = 30;

    /// <summary>A Task's TimeoutSeconds is the function's timeout plus this, so Lambda ends a hung attempt first.</summary>
    public const int TaskTimeoutMarginSeconds = 5;

    /// <summary>Kept free in every lease for clock skew and the lock write itself.</summary>
    public const int LeaseSafetySeconds = 60;

    /// <summary>Step Functions' hard limit of events in one execution's history.</summary>
    public const int HistoryEventLimit = 25_000;

    /// <summary>The share of that limit a worst-case run may use.</summary>
    public const double HistorySafeShare = 0.5;

    /// <summary>Events of one poll: Wait entered/exited, Task entered/scheduled/started/succeeded/exited, Choice entered/exited.</summary>
    public const int EventsPerPoll = 9;

    /// <summary>Events of the states every run passes once, and of each stage's own once-only states (estimated high).</summary>
    public const int EventsFixed = 200;

    public const int EventsPerStage = 40;

    /// <summary>The Task TimeoutSeconds the CDK app writes into every Lambda Task.</summary>
    public static int TaskTimeoutSeconds(PipelineSettings s) => s.FunctionTimeoutSeconds + TaskTimeoutMarginSeconds;

    /// <summary>Longest one Task can take before it succeeds: every attempt timed out but the last, with every retry delay.</summary>
    public static int TaskWorstSeconds(PipelineSettings s) => ((TaskRetries + 1) * TaskTimeoutSeconds(s)) + RetryDelaySeconds;

    /// <summary>
    /// Longest a run may wait between two lock renewals: the lease, less one task at its worst and the
    /// safety margin. Handlers never ask the state machine to wait longer while holding the lock.
    /// </summary>
    public static int MaxWaitUnderLeaseSeconds(PipelineSettings s) => s.LockLeaseSeconds - TaskWorstSeconds(s) - LeaseSafetySeconds;

    /// <summary>Number of status polls until a deadline, waiting <paramref name="firstWait"/> and then backing off per the poll settings.</summary>
    public static int PollsUntil(PollSettings poll, int firstWait, long deadlineSeconds)
    {
        var polls = 1;
        long waited = Math.Max(1, firstWait);
        for (var attempt = 0; waited <= deadlineSeconds && polls < 1_000_000; attempt++)
        {
            waited += Math.Max(1, Backoff.NextDelaySeconds(poll, attempt));
            polls++;
        }

        return polls;
    }

    public sealed record Item(string Name, long Seconds, long Events);

    /// <summary>Each part of a run with every deadline used in full and every poll on the backoff schedule.</summary>
    public static IReadOnlyList<Item> WorstCase(PipelineSettings s)
    {
        var task = TaskWorstSeconds(s);
        var maxWait = Math.Max(1, MaxWaitUnderLeaseSeconds(s));
        var items = new List<Item>
        {
            new("resolve, input check, lock", 3L * task, EventsFixed),
        };
        if (s.InputWait.TimeoutSeconds > 0)
        {
            var inputPolls = (s.InputWait.TimeoutSeconds / Math.Max(1, s.InputWait.PollSeconds)) + 1;
            items.Add(new("input wait", s.InputWait.TimeoutSeconds + task, inputPolls * EventsPerPoll));
        }

        var clusterDeadline = s.ClusterReadyTimeoutSeconds;
        items.Add(new("cluster start", task + clusterDeadline + s.Poll.MaxSeconds + task, PollsUntil(s.Poll, s.Poll.InitialSeconds, clusterDeadline) * EventsPerPoll));
        var sparkDeadline = SparkStartSeconds(s) + CommandDeliverySeconds;
        items.Add(new("spark start", task + sparkDeadline + s.Poll.MaxSeconds + task, PollsUntil(s.Poll, s.Poll.InitialSeconds, sparkDeadline) * EventsPerPoll));
        foreach (var stage in s.Stages)
        {
            var deadline = (stage.TimeoutMinutes * 60L) + CommandDeliverySeconds;
            var first = FirstCheckSeconds(s, stage);
            items.Add(new($"stage {stage.Name}", task + deadline + s.Poll.MaxSeconds + (2L * task), EventsPerStage + (PollsUntil(s.Poll, first, deadline) * EventsPerPoll)));
        }

        var stopDeadline = StopSparkSeconds + CommandDeliverySeconds;
        items.Add(new("spark stop, node stop, release, record", (4L * task) + stopDeadline + s.Poll.MaxSeconds, PollsUntil(s.Poll, s.Poll.InitialSeconds, stopDeadline) * EventsPerPoll));
        return items;
    }

    /// <summary>Allowance for SSM to deliver a command on top of the script's own time limit.</summary>
    public const int CommandDeliverySeconds = 120;

    /// <summary>The Spark stop command's own time limit.</summary>
    public const int StopSparkSeconds = 120;

    /// <summary>Starting Spark: the readiness wait on the master plus a minute for the daemons and the code sync.</summary>
    public static int SparkStartSeconds(PipelineSettings s) => s.SparkReadyTimeoutSeconds + 60;

    /// <summary>The first look at a stage comes when it usually ends, but never later than the lease allows.</summary>
    public static int FirstCheckSeconds(PipelineSettings s, StageSpec stage) =>
        Math.Max(1, Math.Min(stage.ExpectedMinutes > 0 ? stage.ExpectedMinutes * 60 : s.Poll.InitialSeconds, MaxWaitUnderLeaseSeconds(s)));

    /// <summary>The bounds a run's settings must keep; each problem names the settings to change.</summary>
    public static IEnumerable<string> Problems(PipelineSettings s)
    {
        var maxWait = MaxWaitUnderLeaseSeconds(s);
        var task = TaskWorstSeconds(s);
        if (maxWait < s.Poll.MaxSeconds)
        {
            yield return $"lockLeaseSeconds: {s.LockLeaseSeconds} s leaves {maxWait} s between two renewals of the lock (one task at its worst takes {task} s with functionTimeoutSeconds {s.FunctionTimeoutSeconds}, plus {LeaseSafetySeconds} s margin), less than poll.maxSeconds {s.Poll.MaxSeconds}; raise lockLeaseSeconds to at least {s.Poll.MaxSeconds + task + LeaseSafetySeconds} or lower poll.maxSeconds";
        }

        var items = WorstCase(s);
        var seconds = items.Sum(i => i.Seconds);
        if (seconds > s.MaxRunMinutes * 60L)
        {
            var largest = items.OrderByDescending(i => i.Seconds).First();
            yield return $"maxRunMinutes: {s.MaxRunMinutes} min is shorter than the run's own deadlines used in full ({Math.Ceiling(seconds / 60.0)} min: cluster start clusterReadyTimeoutSeconds, Spark start sparkReadyTimeoutSeconds, each stage's timeoutMinutes plus {CommandDeliverySeconds} s delivery, {task} s per task at worst; the largest part is {largest.Name}); raise maxRunMinutes or lower those deadlines";
        }

        var events = items.Sum(i => i.Events);
        var allowed = (long)(HistoryEventLimit * HistorySafeShare);
        if (events > allowed)
        {
            yield return $"poll: a run whose deadlines are used in full would write about {events} history events, more than {allowed} ({HistorySafeShare:P0} of Step Functions' {HistoryEventLimit}-event limit per execution); raise poll.initialSeconds or poll.maxSeconds, set stages' expectedMinutes, or shorten the stages' timeoutMinutes";
        }
    }
}
