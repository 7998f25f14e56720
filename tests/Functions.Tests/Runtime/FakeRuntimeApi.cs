using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Runtime;

/// <summary>
/// A local stand-in for the Lambda Runtime API (2018-06-01) over real HTTP: hands out queued events
/// with Lambda's headers and records every response and error posted back.
/// </summary>
public sealed class FakeRuntimeApi : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly ConcurrentQueue<(string RequestId, string Payload)> events = new();
    private readonly SemaphoreSlim eventsAvailable = new(0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task serving;

    public FakeRuntimeApi()
    {
        var port = FreePort.Next();
        Address = $"127.0.0.1:{port}";
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    public string Address { get; }

    public BlockingCollection<Posted> Posts { get; } = [];

    public long DeadlineMs { get; set; } = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds();

    public sealed record Posted(string Path, string? ErrorType, string Body);

    public void Enqueue(string requestId, string payload)
    {
        events.Enqueue((requestId, payload));
        eventsAvailable.Release();
    }

    public Posted NextPost() =>
        Posts.TryTake(out var post, TimeSpan.FromSeconds(30)) ? post : throw new TimeoutException("nothing was posted to the runtime API");

    public void Dispose()
    {
        stopping.Cancel();
        listener.Stop();
        listener.Close();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was closed under a pending GetContext: that is how serving ends.
        }
    }

    private async Task ServeAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        if (context.Request.HttpMethod == "GET" && path == "/2018-06-01/runtime/invocation/next")
        {
            try
            {
                await eventsAvailable.WaitAsync(stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            events.TryDequeue(out var next);
            context.Response.Headers["Lambda-Runtime-Aws-Request-Id"] = next.RequestId;
            context.Response.Headers["Lambda-Runtime-Deadline-Ms"] = DeadlineMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:ap-northeast-2:123456789012:function:ResolveRun";
            context.Response.Headers["Lambda-Runtime-Trace-Id"] = $"Root=1-trace-{next.RequestId}";
            var bytes = Encoding.UTF8.GetBytes(next.Payload);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
            return;
        }

        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        Posts.Add(new Posted(path, context.Request.Headers["Lambda-Runtime-Function-Error-Type"], body));
        context.Response.StatusCode = 202;
        context.Response.Close();
    }
}
