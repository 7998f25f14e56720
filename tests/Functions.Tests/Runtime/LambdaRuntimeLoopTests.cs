using System.Text.Json;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Hosting;
using Pipeline.Functions.Runtime;

namespace Pipeline.Functions.Tests.Runtime;

public sealed class LambdaRuntimeLoopTests : IDisposable
{
    private readonly FakeRuntimeApi api = new();
    private readonly LambdaRuntimeClient client;
    private readonly CancellationTokenSource stop = new();

    public LambdaRuntimeLoopTests() => client = new LambdaRuntimeClient(api.Address);

    public void Dispose()
    {
        stop.Cancel();
        client.Dispose();
        api.Dispose();
    }

    private Task Run(Func<string, CancellationToken, Task<string>> function) =>
        new LambdaRuntimeLoop(client, function, ErrorReport.From).RunAsync(stop.Token);

    [Fact]
    public async Task A_result_is_posted_to_the_response_path_of_its_request()
    {
        var loop = Run((payload, _) => Task.FromResult($$"""{"echo":{{payload}}}"""));
        api.Enqueue("req-1", """{"date":"2026-02-12"}""");
        var post = api.NextPost();
        Assert.Equal("/2018-06-01/runtime/invocation/req-1/response", post.Path);
        Assert.Equal("""{"echo":{"date":"2026-02-12"}}""", post.Body);
        Assert.Null(post.ErrorType);
        stop.Cancel();
        await loop;
    }

    [Fact]
    public async Task A_pipeline_error_is_posted_with_its_name_as_errorType_in_header_and_body()
    {
        var loop = Run((_, _) => throw new PipelineException(ErrorNames.InputMissing, "no input for 2026-02-12"));
        api.Enqueue("req-9", "{}");
        var post = api.NextPost();
        Assert.Equal("/2018-06-01/runtime/invocation/req-9/error", post.Path);
        Assert.Equal("Pipeline.InputMissing", post.ErrorType);
        using var body = JsonDocument.Parse(post.Body);
        Assert.Equal("Pipeline.InputMissing", body.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("no input for 2026-02-12", body.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal(JsonValueKind.Array, body.RootElement.GetProperty("stackTrace").ValueKind);
        stop.Cancel();
        await loop;
    }

    [Fact]
    public async Task Two_invocations_in_a_row_each_get_their_own_answer_and_trace_id()
    {
        var traces = new List<string?>();
        var loop = Run((payload, _) =>
        {
            traces.Add(Environment.GetEnvironmentVariable(LambdaRuntimeLoop.TraceIdVariable));
            return payload == "\"boom\"" ? throw new InvalidOperationException("boom") : Task.FromResult(payload);
        });
        api.Enqueue("a", "\"boom\"");
        api.Enqueue("b", "\"fine\"");
        var first = api.NextPost();
        var second = api.NextPost();
        Assert.Equal(("/2018-06-01/runtime/invocation/a/error", "InvalidOperationException"), (first.Path, first.ErrorType));
        Assert.Equal(("/2018-06-01/runtime/invocation/b/response", "\"fine\""), (second.Path, second.Body));
        Assert.Equal(["Root=1-trace-a", "Root=1-trace-b"], traces);
        stop.Cancel();
        await loop;
    }

    [Fact]
    public async Task The_handler_is_cancelled_just_before_the_invocation_deadline()
    {
        api.DeadlineMs = DateTimeOffset.UtcNow.AddSeconds(2).ToUnixTimeMilliseconds();
        var loop = Run(async (_, token) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), token);
            return "{}";
        });
        api.Enqueue("slow", "{}");
        var post = api.NextPost();
        Assert.Equal("Pipeline.TaskTimedOut", post.ErrorType);
        stop.Cancel();
        await loop;
    }

    [Fact]
    public async Task An_init_error_is_posted_to_init_error()
    {
        await client.ReportInitErrorAsync(ErrorReport.From(new PipelineException(ErrorNames.InvalidSettings, "bad settings")), CancellationToken.None);
        var post = api.NextPost();
        Assert.Equal("/2018-06-01/runtime/init/error", post.Path);
        Assert.Equal("Pipeline.InvalidSettings", post.ErrorType);
    }
}
