using System.Globalization;
using System.Text;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Handlers;

namespace Pipeline.Functions.Hosting;

/// <summary>
/// A dry run: what a run for a date would do, step by step, with the exact scripts the nodes would
/// get. Built from the same code the handlers use, calling nothing and changing nothing; only the
/// master's address is left as {master}, because it is known only once the nodes run.
/// </summary>
public static class RunPlan
{
    public static string Describe(PipelineSettings settings, TimeProvider clock, string executionInput)
    {
        var run = new ResolveRun(settings, clock).Resolve(executionInput);
        var date = BatchDate.Parse("date", run.BatchDate, LocalCalendar.LatestBatchDate(settings, clock));
        var master = SparkCommands.MasterAddressToBeResolved;
        var text = new StringBuilder();
        var step = 0;
        void Step(string line) => text.Append(CultureInfo.InvariantCulture, $"\n{++step}. {line}\n");
        void Script(string where, string script) =>
            text.Append(CultureInfo.InvariantCulture, $"   {where}:\n").Append(string.Join('\n', script.TrimEnd('\n').Split('\n').Select(l => "     | " + l))).Append('\n');

        text.Append(CultureInfo.InvariantCulture, $"Plan for batch date {run.BatchDate} on cluster {settings.ClusterName} (dry run: nothing is called or changed)\n");
        var wait = settings.InputWait.TimeoutSeconds > 0 ? $"; if empty, look again every {settings.InputWait.PollSeconds} s for up to {settings.InputWait.TimeoutSeconds} s" : "; if empty the run fails with Pipeline.InputMissing";
        Step($"Check input: s3://{settings.Bucket}/{run.InputPrefix} must hold at least one object{wait}.");
        Step($"Take the run lock: DynamoDB table {settings.LockTable}, key {settings.ClusterName}, with a fencing token and a {settings.LockLeaseSeconds} s lease that every later task renews (another live holder: Pipeline.ClusterBusy; a holder that stopped renewing, or abandoned it: taken over). Every action below first checks the run still holds it (else Pipeline.LockLost, nothing done).");
        Step($"Start the nodes tagged {NodeTags.Cluster}={settings.ClusterName}: 1 master ({NodeTags.Role}={NodeTags.MasterRole}) and {settings.WorkerCount} worker(s) ({NodeTags.Role}={NodeTags.WorkerRole}); wait until each runs with its SSM agent online, for at most {settings.ClusterReadyTimeoutSeconds} s.");
        Step($"Start Spark over SSM Run Command (AWS-RunShellScript), at most {settings.SparkReadyTimeoutSeconds} s:");
        Script("on the master", SparkCommands.StartMasterScript(settings, master));
        Script("on every worker", SparkCommands.StartWorkerScript(settings, master));
        foreach (var stage in settings.Stages)
        {
            var plan = SparkCommands.PlanStage(settings, stage, date, master);
            var first = $"first check after {RunBudget.FirstCheckSeconds(settings, stage)} s";
            Step($"Stage {stage.Name} (time limit {stage.TimeoutMinutes} min, {first}, then every {settings.Poll.InitialSeconds}..{settings.Poll.MaxSeconds} s):");
            if (stage.Kind == StageSpec.CommandKind)
            {
                Script($"on every running node tagged {NodeTags.Cluster}={settings.ClusterName}, {NodeTags.Role}={stage.TargetRole}", SparkCommands.CommandStepScript(settings, plan, date));
            }
            else
            {
                Script("on the master", SparkCommands.SubmitScript(settings, plan, date));
            }

            text.Append(string.IsNullOrEmpty(plan.OutputPrefix)
                ? "   then: its exit code is the verdict (no output prefix to verify).\n"
                : string.Create(CultureInfo.InvariantCulture, $"   then verify: s3://{settings.Bucket}/{plan.OutputPrefix} holds _SUCCESS and at least one data object.\n"));
        }

        Step("Stop Spark on every running node:");
        Script("on every node", SparkCommands.StopScript(settings));
        Step($"Stop the nodes; release the lock. On any failure after step 2 cleanup runs only if the run still holds the lock, and the run ends FAILED with the original error (Pipeline.CleanupFailed if cleanup could not finish, naming what is left to the sweeper).");
        var budget = RunBudget.WorstCase(settings);
        text.Append(CultureInfo.InvariantCulture, $"\nWorst case, every deadline used in full: {Math.Ceiling(budget.Sum(b => b.Seconds) / 60.0)} of {settings.MaxRunMinutes} min (maxRunMinutes), about {budget.Sum(b => b.Events)} of Step Functions' {RunBudget.HistoryEventLimit} history events; the lock goes at most {RunBudget.MaxWaitUnderLeaseSeconds(settings)} s between renewals of its {settings.LockLeaseSeconds} s lease.\n");
        foreach (var item in budget)
        {
            text.Append(CultureInfo.InvariantCulture, $"   {item.Name}: {Math.Ceiling(item.Seconds / 60.0)} min, {item.Events} events\n");
        }

        return text.ToString();
    }
}
