using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Pipeline.Functions.Domain;

namespace Pipeline.Functions.Handlers;

/// <summary>What the Lambda Runtime API loop and the command-line mode call: JSON in, JSON out.</summary>
public interface IHandler
{
    Task<string> InvokeAsync(string inputJson, CancellationToken cancellationToken);
}

/// <summary>Typed handler: parses its input with source-generated JSON and turns bad JSON into Pipeline.InvalidInput.</summary>
public abstract class Handler<TIn, TOut>(JsonTypeInfo<TIn> inputType, JsonTypeInfo<TOut> outputType) : IHandler
    where TIn : class
{
    public async Task<string> InvokeAsync(string inputJson, CancellationToken cancellationToken)
    {
        var output = await HandleAsync(Parse(inputJson), cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Serialize(output, outputType);
    }

    public abstract Task<TOut> HandleAsync(TIn input, CancellationToken cancellationToken);

    private TIn Parse(string inputJson)
    {
        var text = string.IsNullOrWhiteSpace(inputJson) ? "{}" : inputJson;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw PipelineException.InvalidInput("input", $"expected a JSON object, got {document.RootElement.ValueKind}");
            }

            return document.RootElement.Deserialize(inputType)
                ?? throw PipelineException.InvalidInput("input", "expected a JSON object");
        }
        catch (JsonException e)
        {
            throw PipelineException.InvalidInput("input", $"not valid JSON for this task ({e.Message})");
        }
    }
}
