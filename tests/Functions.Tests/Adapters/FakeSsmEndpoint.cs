using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Adapters;

/// <summary>
/// Answers SSM's JSON 1.1 wire protocol with canned responses and records each request. Used where
/// moto falls short: it has no DescribeInstanceInformation, drops CloudWatchOutputConfig, and never
/// reports a failed or not-yet-visible invocation.
/// </summary>
public sealed class FakeSsmEndpoint : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task serving;

    public FakeSsmEndpoint()
    {
        var port = FreePort.Next();
        Url = $"http://127.0.0.1:{port}/";
        listener.Prefixes.Add(Url);
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    public string Url { get; }

    /// <summary>Responses per operation, taken in order: (HTTP status, JSON body).</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<(int Status, string Body)>> Responses { get; } = new();

    public ConcurrentQueue<(string Operation, string Body)> Requests { get; } = new();

    public void Answer(string operation, int status, string body) =>
        Responses.GetOrAdd(operation, _ => new()).Enqueue((status, body));

    public AmazonSimpleSystemsManagementClient Client() =>
        new(new BasicAWSCredentials("testing", "testing"), new AmazonSimpleSystemsManagementConfig { ServiceURL = Url, AuthenticationRegion = "ap-northeast-2", MaxErrorRetry = 0 });

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Closing the listener ends the pending GetContext.
        }
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (!listener.IsListening)
            {
                return;
            }

            var operation = (context.Request.Headers["X-Amz-Target"] ?? "").Replace("AmazonSSM.", "", StringComparison.Ordinal);
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            Requests.Enqueue((operation, await reader.ReadToEndAsync()));
            var (status, body) = Responses.TryGetValue(operation, out var queue) && queue.TryDequeue(out var next)
                ? next
                : (400, $$"""{"__type":"NotImplemented","message":"no canned answer for {{operation}}"}""");
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/x-amz-json-1.1";
            var bytes = Encoding.UTF8.GetBytes(body);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}
