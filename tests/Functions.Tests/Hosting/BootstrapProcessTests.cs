using System.Diagnostics;
using System.Text.Json;
using Pipeline.Functions.Tests.Runtime;

namespace Pipeline.Functions.Tests.Hosting;

/// <summary>The built bootstrap as Lambda and people start it: a separate process, configured by environment only.</summary>
public sealed class BootstrapProcessTests
{
    private static readonly string Bootstrap = Path.Combine(AppContext.BaseDirectory, "bootstrap");

    private static Process Start(IDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Bootstrap) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("PIPELINE_SETTINGS");
        start.Environment.Remove("AWS_LAMBDA_RUNTIME_API");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return Process.Start(start)!;
    }

    private static (int Exit, string Stdout, string Stderr) Invoke(string? stdin, IDictionary<string, string?>? environment = null, params string[] args)
    {
        using var process = Start(environment ?? new Dictionary<string, string?>(), args);
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    [Fact]
    public void Invoke_reads_standard_input_and_prints_the_result()
    {
        var (exit, stdout, _) = Invoke("""{"date":"2026-02-12"}""", null, "invoke", "ResolveRun");
        Assert.Equal(0, exit);
        using var result = JsonDocument.Parse(stdout);
        Assert.Equal("2026-02-12", result.RootElement.GetProperty("batchDate").GetString());
        Assert.Equal(2, result.RootElement.GetProperty("stages").GetArrayLength());
    }

    [Fact]
    public void Invoke_takes_the_input_as_an_argument_too()
    {
        var (exit, stdout, _) = Invoke(null, null, "invoke", "ResolveRun", """{"date":"2026-02-11"}""");
        Assert.Equal(0, exit);
        Assert.Contains("\"batchDate\":\"2026-02-11\"", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_prints_the_error_name_on_stderr_and_exits_non_zero()
    {
        var (exit, stdout, stderr) = Invoke("""{"date":"2026-02-30"}""", null, "invoke", "ResolveRun");
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        using var error = JsonDocument.Parse(stderr.Trim().Split('\n')[^1]);
        Assert.Equal("Pipeline.InvalidInput", error.RootElement.GetProperty("errorType").GetString());
        Assert.Contains("2026-02-30", error.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_come_from_the_environment_and_bad_ones_are_named()
    {
        var env = new Dictionary<string, string?> { ["PIPELINE_SETTINGS"] = """{"clusterName":"Bad Name!"}""" };
        var (exit, _, stderr) = Invoke("""{"date":"2026-02-12"}""", env, "invoke", "ResolveRun");
        Assert.Equal(1, exit);
        Assert.Contains("Pipeline.InvalidSettings", stderr, StringComparison.Ordinal);
        Assert.Contains("clusterName", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_handler_is_named_in_the_error()
    {
        var (exit, _, stderr) = Invoke("{}", null, "invoke", "StartEverything");
        Assert.Equal(1, exit);
        Assert.Contains("Pipeline.UnknownHandler", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_usage_prints_the_usage_and_exits_2()
    {
        var (exit, _, stderr) = Invoke(null, null, "run");
        Assert.Equal(2, exit);
        Assert.Contains("usage: bootstrap invoke <Handler> [json]", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Under_the_runtime_api_it_serves_invocations_for_the_handler_named_by_HANDLER()
    {
        using var api = new FakeRuntimeApi();
        using var process = Start(new Dictionary<string, string?> { ["AWS_LAMBDA_RUNTIME_API"] = api.Address, ["_HANDLER"] = "ResolveRun" });
        try
        {
            api.Enqueue("r1", """{"date":"2026-02-12"}""");
            api.Enqueue("r2", """{"date":"12/02/2026"}""");
            var ok = api.NextPost();
            var bad = api.NextPost();
            Assert.Equal("/2018-06-01/runtime/invocation/r1/response", ok.Path);
            Assert.Contains("\"batchDate\":\"2026-02-12\"", ok.Body, StringComparison.Ordinal);
            Assert.Equal("/2018-06-01/runtime/invocation/r2/error", bad.Path);
            Assert.Equal("Pipeline.InvalidInput", bad.ErrorType);
        }
        finally
        {
            process.Kill();
        }
    }

    [Fact]
    public void Under_the_runtime_api_a_bad_handler_name_is_an_init_error_and_the_process_exits()
    {
        using var api = new FakeRuntimeApi();
        using var process = Start(new Dictionary<string, string?> { ["AWS_LAMBDA_RUNTIME_API"] = api.Address, ["_HANDLER"] = "Nope" });
        var post = api.NextPost();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal("/2018-06-01/runtime/init/error", post.Path);
        Assert.Equal("Pipeline.UnknownHandler", post.ErrorType);
        Assert.NotEqual(0, process.ExitCode);
    }
}
