using Pipeline.Functions.Domain;

namespace Pipeline.Functions.Tests.Domain;

public sealed class RunBudgetTests
{
    private static readonly PipelineSettings Good = PipelineSettings.PotholePipeline;

    [Fact]
    public void A_task_at_its_worst_is_every_attempt_timed_out_plus_every_retry_delay()
    {
        // Five attempts of the 60 s function timeout plus the 5 s margin, and 2 + 4 + 8 + 16 s of delays.
        Assert.Equal((5 * 65) + 30, RunBudget.TaskWorstSeconds(Good));
        Assert.Equal(900 - 355 - 60, RunBudget.MaxWaitUnderLeaseSeconds(Good));
    }

    [Fact]
    public void Polls_follow_the_backoff_until_the_deadline()
    {
        // Waits 15, then 15, 30, 60, 120, 120 ... past a 300 s deadline: 15+15+30+60+120+120 = 360.
        Assert.Equal(6, RunBudget.PollsUntil(new PollSettings { InitialSeconds = 15, MaxSeconds = 120 }, 15, 300));
        Assert.Equal(1, RunBudget.PollsUntil(new PollSettings { InitialSeconds = 15, MaxSeconds = 120 }, 600, 300));
    }

    [Fact]
    public void The_shipped_settings_fit_every_bound_with_room()
    {
        Assert.Empty(RunBudget.Problems(Good));
        var items = RunBudget.WorstCase(Good);
        Assert.True(items.Sum(i => i.Seconds) < Good.MaxRunMinutes * 60 * 0.8);
        Assert.True(items.Sum(i => i.Events) < RunBudget.HistoryEventLimit * RunBudget.HistorySafeShare / 4);
    }

    [Fact]
    public void A_poll_ceiling_longer_than_the_lease_allows_between_renewals_is_refused_naming_both_settings()
    {
        var problem = Assert.Single(RunBudget.Problems(Good with { LockLeaseSeconds = 500 }));
        Assert.StartsWith("lockLeaseSeconds: 500 s leaves 85 s between two renewals", problem, StringComparison.Ordinal);
        Assert.Contains("poll.maxSeconds 120", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Deadlines_that_add_up_to_more_than_maxRunMinutes_are_refused()
    {
        var long_ = Good with { Stages = [Good.Stages[0] with { TimeoutMinutes = 300 }, Good.Stages[1] with { TimeoutMinutes = 300 }] };
        Assert.Contains(RunBudget.Problems(long_), p => p.StartsWith("maxRunMinutes: 360 min is shorter", StringComparison.Ordinal) && p.Contains("stage stage", StringComparison.Ordinal));
        Assert.Empty(RunBudget.Problems(long_ with { MaxRunMinutes = 800 }));
    }

    [Fact]
    public void Polling_so_fast_that_a_worst_case_run_would_near_the_history_limit_is_refused()
    {
        var fast = Good with { MaxRunMinutes = 1440, Poll = new PollSettings { InitialSeconds = 1, MaxSeconds = 1 }, Stages = [Good.Stages[0] with { TimeoutMinutes = 600, ExpectedMinutes = 0 }] };
        var problem = Assert.Single(RunBudget.Problems(fast));
        Assert.StartsWith("poll: a run whose deadlines are used in full would write about", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_validator_reports_the_budget_problems_only_for_otherwise_well_formed_settings()
    {
        Assert.Contains(SettingsValidator.Validate(Good with { LockLeaseSeconds = 500 }), p => p.StartsWith("lockLeaseSeconds", StringComparison.Ordinal));
        Assert.DoesNotContain(SettingsValidator.Validate(Good with { LockLeaseSeconds = 500, WorkerCount = 0 }), p => p.StartsWith("lockLeaseSeconds", StringComparison.Ordinal));
    }
}

public sealed class RunIdsTests
{
    [Theory]
    [InlineData("2026-02-12", true)]
    [InlineData("2026-02-10-bf-20260213T010000", true)]
    [InlineData("manual(rerun)+2", true)]
    [InlineData("재실행-2026-02-12", true)]
    [InlineData("a=b@c!d'e", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("a\tb", false)]
    [InlineData("x;reboot", false)]
    [InlineData("a:b", false)]
    [InlineData("a/b", false)]
    [InlineData("$(id)", false)]
    [InlineData("a\u0085b", false)]
    [InlineData("a\u200bb", false)]
    public void Execution_names_are_accepted_exactly_as_Step_Functions_accepts_them(string name, bool accepted) =>
        Assert.Equal(accepted, RunIds.IsExecutionName(name));

    [Fact]
    public void Names_count_characters_not_bytes_up_to_80()
    {
        Assert.True(RunIds.IsExecutionName(new string('가', 80)));
        Assert.False(RunIds.IsExecutionName(new string('가', 81)));
    }

    [Fact]
    public void The_record_key_segment_is_deterministic_safe_and_distinct()
    {
        Assert.Equal("2026-02-12", RunIds.KeySegment("2026-02-12"));
        Assert.Equal("a%28b%29%2B%EC%9E%AC", RunIds.KeySegment("a(b)+재"));
        Assert.NotEqual(RunIds.KeySegment("a+b"), RunIds.KeySegment("a b"));
        Assert.Matches("^[A-Za-z0-9._%-]+$", RunIds.KeySegment("재실행(2026-02-12)+1!@'="));
    }

    [Fact]
    public void Internal_holders_cannot_collide_with_a_run()
    {
        Assert.False(RunIds.IsExecutionName(RunIds.SweeperPrefix + "20260213T010000Z"));
        Assert.False(RunIds.IsExecutionName(RunIds.MaintenancePrefix + "ops"));
    }
}
