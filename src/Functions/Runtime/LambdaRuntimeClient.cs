using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Functions.Runtime;

/// <summary>What the Runtime API says about one invocation, from the headers of /invocation/next.</summary>
public sealed record LambdaInvocation(string RequestId, DateTimeOffset? Deadline, string? FunctionArn, string? TraceId, string Payload);

/// <summary>The error document Lambda reports; Step Functions matches Catch and Retry on errorType.</summary>
public sealed record LambdaError(
    [property: JsonPropertyName("errorType")] string ErrorType,
    [property: JsonPropertyName("errorMessage")] string ErrorMessage,
    [property: JsonPropertyName("stackTrace"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? StackTrace);

[JsonSerializable(typeof(LambdaError))]
internal sealed partial class RuntimeJson : JsonSerializerContext
{
    /// <summary>Messages quote rejected values; relaxed escaping keeps them readable ("x", not \u0022x\u0022).</summary>
    public static RuntimeJson Readable { get; } = new(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}

/// <summary>
/// The Lambda Runtime API (version 2018-06-01) for a custom runtime such as provided.al2023.
/// Stands in for Amazon.Lambda.RuntimeSupport, which this project's package source does not serve;
/// it knows nothing of handlers: it fetches events and posts results or errors.
/// </summary>
public sealed class LambdaRuntimeClient : IDisposable
{
    public const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";
    private const string Version = "2018-06-01";
    private readonly HttpClient http;

    public LambdaRuntimeClient(string runtimeApi)
    {
        // "next" blocks until an event arrives, which may be hours on an idle container: no client timeout.
        http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri($"http://{runtimeApi}/{Version}/runtime/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<LambdaInvocation> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("invocation/next", cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var requestId = Header(response, "Lambda-Runtime-Aws-Request-Id")
            ?? throw new InvalidOperationException("the Runtime API sent an event without Lambda-Runtime-Aws-Request-Id");
        DateTimeOffset? deadline = long.TryParse(Header(response, "Lambda-Runtime-Deadline-Ms"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
        var payload = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return new LambdaInvocation(requestId, deadline, Header(response, "Lambda-Runtime-Invoked-Function-Arn"), Header(response, "Lambda-Runtime-Trace-Id"), payload);
    }

    public Task RespondAsync(string requestId, string json, CancellationToken cancellationToken) =>
        PostAsync($"invocation/{Uri.EscapeDataString(requestId)}/response", new StringContent(json, Encoding.UTF8, "application/json"), null, cancellationToken);

    public Task ReportErrorAsync(string requestId, LambdaError error, CancellationToken cancellationToken) =>
        PostAsync($"invocation/{Uri.EscapeDataString(requestId)}/error", ErrorContent(error), error.ErrorType, cancellationToken);

    public Task ReportInitErrorAsync(LambdaError error, CancellationToken cancellationToken) =>
        PostAsync("init/error", ErrorContent(error), error.ErrorType, cancellationToken);

    public void Dispose() => http.Dispose();

    private static StringContent ErrorContent(LambdaError error)
    {
        return new StringContent(JsonSerializer.Serialize(error, RuntimeJson.Readable.LambdaError), Encoding.UTF8, "application/json");
    }

    private async Task PostAsync(string path, HttpContent content, string? errorType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (errorType is not null)
        {
            request.Headers.TryAddWithoutValidation(ErrorTypeHeader, errorType);
        }

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
