using System.Text.Json;
using Pipeline.Functions.Domain;

namespace Pipeline.Functions.Handlers;

/// <summary>
/// Reads what a person or a schedule starts an execution with: a small JSON object of known
/// fields whose values are strings. Anything else (other JSON, unknown or repeated fields, other
/// types, huge input) is Pipeline.InvalidInput naming the field and the expected shape.
/// </summary>
public static class ExecutionInput
{
    public const int MaxLength = 4096;

    public static IReadOnlyDictionary<string, string> Read(string inputJson, IReadOnlySet<string> knownFields, string expectedShape)
    {
        if (inputJson.Length > MaxLength)
        {
            throw PipelineException.InvalidInput("input", $"{inputJson.Length} characters is too long; {expectedShape}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(string.IsNullOrWhiteSpace(inputJson) ? "null" : inputJson);
        }
        catch (JsonException)
        {
            throw PipelineException.InvalidInput("input", $"not valid JSON; {expectedShape}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw PipelineException.InvalidInput("input", $"got a JSON {root.ValueKind.ToString().ToLowerInvariant()}; {expectedShape}");
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!knownFields.Contains(property.Name))
                {
                    throw PipelineException.InvalidInput(BatchDate.Describe(property.Name), $"is not a known field; {expectedShape}");
                }

                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw PipelineException.InvalidInput(property.Name, $"expected a string, got a JSON {property.Value.ValueKind.ToString().ToLowerInvariant()}");
                }

                if (!fields.TryAdd(property.Name, property.Value.GetString()!))
                {
                    throw PipelineException.InvalidInput("input", $"{property.Name} is given more than once; {expectedShape}");
                }
            }

            return fields;
        }
    }
}
