using System.Text.RegularExpressions;

namespace Pipeline.Functions.Domain;

/// <summary>
/// Checks settings before anything uses them. Every problem names the setting and the expected
/// form, so a bad cdk.json stops the synth (and a bad environment stops a function at start)
/// with a message a person can act on. The character sets are narrow on purpose: these values
/// become S3 keys, paths on the nodes and spark-submit arguments.
/// </summary>
public static partial class SettingsValidator
{
    public static void EnsureValid(PipelineSettings settings)
    {
        var problems = Validate(settings);
        if (problems.Count > 0)
        {
            throw new PipelineException(ErrorNames.InvalidSettings, "invalid pipeline settings: " + string.Join("; ", problems));
        }
    }

    public static IReadOnlyList<string> Validate(PipelineSettings s)
    {
        var p = new List<string>();
        Match(p, "clusterName", s.ClusterName, ClusterNamePattern(), "1-40 characters of a-z, 0-9 and '-', starting with a letter or digit");
        Match(p, "bucket", s.Bucket, BucketPattern(), "an S3 bucket name: 3-63 characters of a-z, 0-9, '.' and '-'");
        if (s.Bucket is not null && s.Bucket.Contains("..", StringComparison.Ordinal))
        {
            p.Add("bucket: an S3 bucket name cannot contain '..'");
        }

        DatedPrefix(p, "inputPrefix", s.InputPrefix);
        KeyPrefix(p, "codePrefix", s.CodePrefix, allowPlaceholders: false);
        if (string.IsNullOrEmpty(s.TimeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(s.TimeZone, out _))
        {
            p.Add($"timeZone: expected an IANA time zone such as \"Asia/Seoul\", got {Shown(s.TimeZone)}");
        }

        Range(p, "workerCount", s.WorkerCount, 1, 100);
        Match(p, "sparkHome", s.SparkHome, AbsolutePathPattern(), "an absolute path of A-Z, a-z, 0-9, '.', '_', '-' and '/'");
        Match(p, "codeDirectory", s.CodeDirectory, AbsolutePathPattern(), "an absolute path of A-Z, a-z, 0-9, '.', '_', '-' and '/'");
        Match(p, "lockDirectory", s.LockDirectory, AbsolutePathPattern(), "an absolute path of A-Z, a-z, 0-9, '.', '_', '-' and '/'");
        Match(p, "sparkUser", s.SparkUser, UserPattern(), "a Linux user name: a-z, 0-9, '_' and '-', at most 32 characters");
        Match(p, "lockTable", s.LockTable, TablePattern(), "a DynamoDB table name: 3-255 characters of A-Z, a-z, 0-9, '_', '.' and '-'");
        if (!string.IsNullOrEmpty(s.CommandLogGroup))
        {
            Match(p, "commandLogGroup", s.CommandLogGroup, LogGroupPattern(), "a CloudWatch Logs group name, or empty");
        }

        Range(p, "maxRunMinutes", s.MaxRunMinutes, 10, 1440);
        if (!double.IsFinite(s.ClusterHourlyUsd) || s.ClusterHourlyUsd < 0 || s.ClusterHourlyUsd > 1000)
        {
            p.Add($"clusterHourlyUsd: expected the cluster's price per hour in USD, from 0 to 1000, got {s.ClusterHourlyUsd}");
        }
        Range(p, "clusterReadyTimeoutSeconds", s.ClusterReadyTimeoutSeconds, 10, 3600);
        Range(p, "sparkReadyTimeoutSeconds", s.SparkReadyTimeoutSeconds, 10, 3600);
        if (s.Poll is null)
        {
            p.Add("poll: expected an object with initialSeconds and maxSeconds");
        }
        else
        {
            Range(p, "poll.initialSeconds", s.Poll.InitialSeconds, 1, 3600);
            Range(p, "poll.maxSeconds", s.Poll.MaxSeconds, Math.Max(1, s.Poll.InitialSeconds), 3600);
        }

        if (s.InputWait is null)
        {
            p.Add("inputWait: expected an object with timeoutSeconds and pollSeconds");
        }
        else
        {
            if (s.InputWait.TimeoutSeconds != 0)
            {
                Range(p, "inputWait.timeoutSeconds", s.InputWait.TimeoutSeconds, 10, 86_400);
            }

            Range(p, "inputWait.pollSeconds", s.InputWait.PollSeconds, 1, 3600);
        }

        Range(p, "lockLeaseSeconds", s.LockLeaseSeconds, 300, 7200);
        Range(p, "functionTimeoutSeconds", s.FunctionTimeoutSeconds, 10, 900);
        Submit(p, s.Submit);
        Stages(p, s.Stages);

        // The bounds between settings only mean something once each setting is well-formed.
        if (p.Count == 0)
        {
            p.AddRange(RunBudget.Problems(s));
        }

        return p;
    }

    /// <summary>A path inside the code prefix: no absolute paths, no '..', no segment that looks like an option.</summary>
    public static bool IsCodePath(string? path) => path is not null && CodePathPattern().IsMatch(path);

    private static void Submit(List<string> p, SubmitSettings? submit)
    {
        if (submit is null)
        {
            p.Add("submit: expected an object");
            return;
        }

        Match(p, "submit.executorMemory", submit.ExecutorMemory, MemoryPattern(), "a JVM memory size such as \"4g\" or \"512m\"");
        Range(p, "submit.executorCores", submit.ExecutorCores, 1, 64);
        // 0 follows the workers (WorkerCapacity); the CDK app makes it concrete at synth.
        if (submit.TotalExecutorCores != WorkerCapacity.FollowWorkers)
        {
            Range(p, "submit.totalExecutorCores", submit.TotalExecutorCores, Math.Max(1, submit.ExecutorCores), 4096);
        }
        foreach (var (key, value) in submit.Conf ?? new Dictionary<string, string>())
        {
            Match(p, $"submit.conf key {Shown(key)}", key, ConfKeyPattern(), "a Spark property name starting with \"spark.\"");
            Text(p, $"submit.conf[{Shown(key)}]", value, 1024);
            foreach (var unknown in Template.UnknownPlaceholders(value ?? ""))
            {
                p.Add($"submit.conf[{Shown(key)}]: unknown placeholder {{{unknown}}}; known: {{ds}}, {{ds_nodash}}, {{bucket}}");
            }
        }
    }

    private static void Stages(List<string> p, IReadOnlyList<StageSpec>? stages)
    {
        if (stages is null || stages.Count == 0 || stages.Count > 20)
        {
            p.Add("stages: expected 1 to 20 stages");
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            var at = $"stages[{i}]";
            if (stage is null)
            {
                p.Add($"{at}: expected a stage object");
                continue;
            }

            Match(p, $"{at}.name", stage.Name, StageNamePattern(), "1-64 characters of A-Z, a-z, 0-9, '_' and '-', starting with a letter or digit");
            if (stage.Name is not null && !names.Add(stage.Name))
            {
                p.Add($"{at}.name: {Shown(stage.Name)} is used by another stage; names must be unique");
            }

            if (stage.Kind == StageSpec.CommandKind)
            {
                CommandStep(p, at, stage);
                Range(p, $"{at}.timeoutMinutes", stage.TimeoutMinutes, 1, 720);
                continue;
            }

            if (stage.Kind != StageSpec.SparkKind)
            {
                p.Add($"{at}.kind: expected \"spark\" or \"command\", got {Shown(stage.Kind)}");
            }

            if (stage.Command is { Count: > 0 })
            {
                p.Add($"{at}.command: only a \"command\" step has a command; a spark step has script and args");
            }

            Match(p, $"{at}.targetRole", stage.TargetRole, RolePattern(), "a SparkRole tag value: a-z, 0-9 and '-', starting with a letter");

            if (!IsCodePath(stage.Script) || !stage.Script.EndsWith(".py", StringComparison.Ordinal))
            {
                p.Add($"{at}.script: expected a .py path inside the code prefix (no '/' at the start, no '..'), got {Shown(stage.Script)}");
            }

            var pyFiles = stage.PyFiles ?? [];
            for (var j = 0; j < pyFiles.Count; j++)
            {
                if (!IsCodePath(pyFiles[j]) || !(pyFiles[j].EndsWith(".py", StringComparison.Ordinal) || pyFiles[j].EndsWith(".zip", StringComparison.Ordinal)))
                {
                    p.Add($"{at}.pyFiles[{j}]: expected a .py or .zip path inside the code prefix, got {Shown(pyFiles[j])}");
                }
            }

            var args = stage.Args ?? [];
            if (args.Count > 50)
            {
                p.Add($"{at}.args: at most 50 arguments");
            }

            for (var j = 0; j < args.Count; j++)
            {
                Text(p, $"{at}.args[{j}]", args[j], 1024);
                foreach (var unknown in Template.UnknownPlaceholders(args[j] ?? ""))
                {
                    p.Add($"{at}.args[{j}]: unknown placeholder {{{unknown}}}; known: {{ds}}, {{ds_nodash}}, {{bucket}}");
                }
            }

            DatedPrefix(p, $"{at}.outputPrefix", stage.OutputPrefix);
            Range(p, $"{at}.timeoutMinutes", stage.TimeoutMinutes, 1, 720);
            Range(p, $"{at}.expectedMinutes", stage.ExpectedMinutes, 0, Math.Max(0, stage.TimeoutMinutes - 1));
        }
    }

    private static void CommandStep(List<string> p, string at, StageSpec stage)
    {
        var command = stage.Command ?? [];
        if (command.Count is 0 or > 50)
        {
            p.Add($"{at}.command: expected the program and its arguments, 1 to 50 items");
        }
        else if (command[0] is null || !ProgramPattern().IsMatch(command[0]) || command[0].Split('/').Any(s => s is "." or ".."))
        {
            p.Add($"{at}.command[0]: expected a program name or absolute path of A-Z, a-z, 0-9, '.', '_', '-' and '/', got {Shown(command[0])}");
        }

        for (var j = 0; j < command.Count; j++)
        {
            Text(p, $"{at}.command[{j}]", command[j], 1024);
            foreach (var unknown in Template.UnknownPlaceholders(command[j] ?? ""))
            {
                p.Add($"{at}.command[{j}]: unknown placeholder {{{unknown}}}; known: {{ds}}, {{ds_nodash}}, {{bucket}}");
            }
        }

        Match(p, $"{at}.targetRole", stage.TargetRole, RolePattern(), "a SparkRole tag value: a-z, 0-9 and '-', starting with a letter");
        if (!string.IsNullOrEmpty(stage.Script) || stage.PyFiles is { Count: > 0 } || stage.Args is { Count: > 0 })
        {
            p.Add($"{at}: a command step has command and targetRole; script, pyFiles and args belong to spark steps");
        }

        if (!string.IsNullOrEmpty(stage.OutputPrefix))
        {
            DatedPrefix(p, $"{at}.outputPrefix", stage.OutputPrefix);
        }

        Range(p, $"{at}.expectedMinutes", stage.ExpectedMinutes, 0, Math.Max(0, stage.TimeoutMinutes - 1));
    }

    private static void DatedPrefix(List<string> p, string field, string? template)
    {
        KeyPrefix(p, field, template, allowPlaceholders: true);
        if (template is not null && !Template.HasDatePlaceholder(template))
        {
            p.Add($"{field}: must contain {{ds}} or {{ds_nodash}} so every batch date has its own prefix");
        }
    }

    private static void KeyPrefix(List<string> p, string field, string? value, bool allowPlaceholders)
    {
        var ok = value is not null && KeyPrefixPattern().IsMatch(value) && !value.Split('/').Any(s => s is "." or "..");
        if (ok && allowPlaceholders)
        {
            ok = !Template.UnknownPlaceholders(value!).Any();
        }
        else if (ok)
        {
            ok = !value!.Contains('{', StringComparison.Ordinal) && !value.Contains('}', StringComparison.Ordinal);
        }

        if (!ok)
        {
            var form = allowPlaceholders ? " with {ds}, {ds_nodash} or {bucket} placeholders" : "";
            p.Add($"{field}: expected an S3 key prefix ending in '/', of A-Z, a-z, 0-9, '.', '_', '-', '=' and '/'{form}, no '..', got {Shown(value)}");
        }
    }

    private static void Text(List<string> p, string field, string? value, int maxLength)
    {
        if (value is null || value.Length > maxLength || value.Any(char.IsControl))
        {
            p.Add($"{field}: expected text of at most {maxLength} characters without control characters");
        }
    }

    private static void Match(List<string> p, string field, string? value, Regex pattern, string expected)
    {
        if (value is null || !pattern.IsMatch(value))
        {
            p.Add($"{field}: expected {expected}, got {Shown(value)}");
        }
    }

    private static void Range(List<string> p, string field, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            p.Add($"{field}: expected a whole number from {min} to {max}, got {value}");
        }
    }

    private static string Shown(string? value) => value is null ? "nothing" : BatchDate.Describe(value);

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,39}\z")]
    private static partial Regex ClusterNamePattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\z")]
    private static partial Regex BucketPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_{}][A-Za-z0-9._={}/-]*/\z")]
    private static partial Regex KeyPrefixPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*\z")]
    private static partial Regex CodePathPattern();

    // At most 256 characters: these paths end up in scripts and file names on the nodes.
    [GeneratedRegex(@"^(?=.{1,256}\z)(/[A-Za-z0-9_][A-Za-z0-9._-]*)+\z")]
    private static partial Regex AbsolutePathPattern();

    [GeneratedRegex(@"^[a-z_][a-z0-9_-]{0,31}\z")]
    private static partial Regex UserPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{3,255}\z")]
    private static partial Regex TablePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_./#-]{1,512}\z")]
    private static partial Regex LogGroupPattern();

    [GeneratedRegex(@"^[0-9]{1,6}[kmgt]\z")]
    private static partial Regex MemoryPattern();

    [GeneratedRegex(@"^spark\.[A-Za-z0-9._-]{1,200}\z")]
    private static partial Regex ConfKeyPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\z")]
    private static partial Regex StageNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_/][A-Za-z0-9._/-]{0,255}\z")]
    private static partial Regex ProgramPattern();

    [GeneratedRegex(@"^[a-z][a-z0-9-]{0,31}\z")]
    private static partial Regex RolePattern();
}
