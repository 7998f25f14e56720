using CsCheck;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Fuzz;

/// <summary>
/// Thousands of malformed inputs per entry point: each must be refused with Pipeline.InvalidInput,
/// a message naming the field, and no call reaching any port (the fakes record every call).
/// </summary>
public sealed class EntryPointFuzzTests
{
    private static readonly FixedClock Clock = FixedClock.At("2026-02-13T01:00:00Z");
    private static readonly DateOnly Latest = new(2026, 2, 14);
    private static readonly PipelineSettings Settings = PipelineSettings.PotholePipeline;

    /// <summary>Runs the check on every generated case and asserts that at least 1000 were checked (filtered-out samples do not count).</summary>
    private static void EachChecked<T>(Gen<T> cases, Action<T> check, long iter)
    {
        var checkedCases = 0;
        cases.Sample(
            c =>
            {
                check(c);
                Interlocked.Increment(ref checkedCases);
            },
            iter: iter);
        Assert.True(checkedCases >= 1000, $"only {checkedCases} malformed inputs were checked");
    }

    private static void Refused(string field, Func<Task> call)
    {
        var e = Assert.ThrowsAsync<PipelineException>(call).GetAwaiter().GetResult();
        Assert.Equal(ErrorNames.InvalidInput, e.ErrorName);
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_execution_input_refuses_every_malformed_date()
    {
        var resolve = new ResolveRun(Settings, Clock);
        EachChecked(
            MalformedInput.NearDates.Where(d => !MalformedInput.IsAcceptableDate(d, Latest)),
            date => Refused("date", () => resolve.InvokeAsync($$"""{"date":{{MalformedInput.Json(date)}}}""", CancellationToken.None)),
            2000);
    }

    [Fact]
    public void The_execution_input_refuses_wrong_types_broken_json_and_unknown_fields()
    {
        var resolve = new ResolveRun(Settings, Clock);
        var cases = Gen.OneOf(
            MalformedInput.NonStringJson.Select(v => ($$"""{"date":{{v}}}""", "date")),
            MalformedInput.NonStringJson.Select(v => ($$"""{"scheduledTime":{{v}}}""", "scheduledTime")),
            MalformedInput.NearDates.Where(v => !v.EndsWith('Z')).Select(v => ($$"""{"scheduledTime":{{MalformedInput.Json(v)}}}""", "scheduledTime")),
            MalformedInput.BrokenJson.Select(v => (v, "input")),
            MalformedInput.NonStringJson.Where(v => !v.StartsWith('{')).Select(v => (v, "input")),
            MalformedInput.HostileText.Where(k => k is not "date" and not "scheduledTime").Select(k => ("{" + MalformedInput.Json(k) + ":\"2026-02-12\"}", "is not a known field")));
        EachChecked(cases, c => Refused(c.Item2, () => resolve.InvokeAsync(c.Item1, CancellationToken.None)), 2000);
    }

    [Fact]
    public void Tasks_that_take_a_date_refuse_it_before_touching_s3_ec2_or_ssm()
    {
        var store = new InMemoryObjectStore();
        var fleet = FakeFleet.Cluster("running");
        var runner = new FakeCommandRunner();
        IHandler[] handlers =
        [
            new CheckInput(Settings, Clock, store),
            new VerifyOutput(Settings, Clock, store),
            new SubmitStage(Settings, Clock, fleet, runner, new InMemoryRunLock()),
        ];
        var badDates = Gen.OneOf(
            MalformedInput.NearDates.Where(d => !MalformedInput.IsAcceptableDate(d, Latest)).Select(MalformedInput.Json),
            MalformedInput.NonStringJson);
        EachChecked(
            Gen.Select(Gen.Int[0, handlers.Length - 1], badDates),
            c =>
            {
                var (h, date) = c;
                Refused("batchDate", () => handlers[h].InvokeAsync($$"""{"batchDate":{{date}},"stage":"stage1_anomaly_detection"}""", CancellationToken.None));
            },
            1500);
        Assert.Empty(store.Listings);
        Assert.Empty(fleet.Calls);
        Assert.Empty(runner.Sent);
    }

    [Fact]
    public void Tasks_that_take_a_stage_refuse_any_name_that_is_not_configured()
    {
        var store = new InMemoryObjectStore();
        var fleet = FakeFleet.Cluster("running");
        var runner = new FakeCommandRunner();
        IHandler[] handlers = [new VerifyOutput(Settings, Clock, store), new SubmitStage(Settings, Clock, fleet, runner, new InMemoryRunLock())];
        var names = Settings.Stages.Select(s => s.Name).ToHashSet();
        var badStages = Gen.OneOf(
            MalformedInput.HostileText.Where(s => !names.Contains(s)).Select(MalformedInput.Json),
            MalformedInput.HostileText.Select(s => MalformedInput.Json("stage1_anomaly_detection" + s)).Where(s => s != "\"stage1_anomaly_detection\""),
            MalformedInput.NonStringJson);
        EachChecked(
            Gen.Select(Gen.Int[0, 1], badStages),
            c =>
            {
                var (h, stage) = c;
                Refused("stage", () => handlers[h].InvokeAsync($$"""{"batchDate":"2026-02-12","stage":{{stage}}}""", CancellationToken.None));
            },
            1500);
        Assert.Empty(store.Listings);
        Assert.Empty(fleet.Calls);
        Assert.Empty(runner.Sent);
    }

    [Fact]
    public void The_lock_tasks_refuse_malformed_run_ids_before_touching_the_lock()
    {
        var runLock = new InMemoryRunLock();
        IHandler[] byRunId = [new AcquireLock(Settings, Clock, runLock), new ConfirmLock(Settings, Clock, runLock)];
        var release = new ReleaseLock(Settings, Clock, runLock);
        // What Step Functions refuses in an execution name (its documented rules), not this project's own check.
        const string refused = " \t\n<>{}[]?*\"#%\\^|~`$&,;:/\u0001\u007f\u0085";
        var badIds = Gen.OneOf(
            MalformedInput.HostileText.Where(s => s.Length == 0 || s.Any(c => refused.Contains(c, StringComparison.Ordinal) || char.IsControl(c))).Select(MalformedInput.Json),
            Gen.Int[81, 5000].Select(n => MalformedInput.Json(new string('a', n))),
            MalformedInput.NonStringJson);
        EachChecked(
            Gen.Select(Gen.Int[0, 2], badIds),
            c =>
            {
                var (h, id) = c;
                Refused("runId", () => h < 2
                    ? byRunId[h].InvokeAsync($$"""{"runId":{{id}}}""", CancellationToken.None)
                    : release.InvokeAsync($$$"""{"lock":{"runId":{{{id}}},"token":1}}""", CancellationToken.None));
            },
            1500);
        Assert.Empty(runLock.Items);
    }

    [Fact]
    public void Command_status_refuses_malformed_command_references_before_asking_ssm()
    {
        var runner = new FakeCommandRunner();
        var handler = new CommandStatus(Settings, Clock, runner, new InMemoryRunLock());
        const string goodId = "8a3f1c2e-0000-4000-8000-000000000001";
        var cases = Gen.OneOf(
            MalformedInput.HostileText.Select(id => ($$"""{"commands":[{"commandId":{{MalformedInput.Json(id)}},"instanceIds":["i-0000000000000000a"]}],"deadline":"2026-02-13T02:00:00Z"}""", "commandId")),
            MalformedInput.HostileText.Select(i => ($$"""{"commands":[{"commandId":"{{goodId}}","instanceIds":[{{MalformedInput.Json("i-" + i)}}]}],"deadline":"2026-02-13T02:00:00Z"}""", "instanceIds")),
            MalformedInput.HostileText.Select(d => ($$"""{"commands":[{"commandId":"{{goodId}}","instanceIds":["i-0000000000000000a"]}],"deadline":{{MalformedInput.Json(d)}}}""", "deadline")),
            MalformedInput.NonStringJson.Select(v => ($$"""{"commands":{{v}},"deadline":"2026-02-13T02:00:00Z"}""", "input")));
        EachChecked(
            cases,
            c =>
            {
                var e = Assert.ThrowsAsync<PipelineException>(() => handler.InvokeAsync(c.Item1, CancellationToken.None)).GetAwaiter().GetResult();
                Assert.Equal(ErrorNames.InvalidInput, e.ErrorName);
                Assert.True(e.Message.Contains(c.Item2, StringComparison.Ordinal) || e.Message.StartsWith("input:", StringComparison.Ordinal) || e.Message.StartsWith("commands", StringComparison.Ordinal), e.Message);
            },
            1500);
        Assert.Empty(runner.Polled);
    }
}
