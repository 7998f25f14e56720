using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Pipeline.Cdk.Settings;

namespace Pipeline.Cdk.Tests.Support;

/// <summary>A synthesized stack and its template as JSON, for questions the assertion API asks awkwardly.</summary>
internal sealed record Synthesized(PipelineStack Stack, AppSettings Settings, Template Template, JsonObject Json, string OutDir)
{
    public IEnumerable<(string Id, JsonObject Resource)> Resources(string type) =>
        Json["Resources"]!.AsObject()
            .Where(r => r.Value!["Type"]!.GetValue<string>() == type)
            .Select(r => (r.Key, r.Value!.AsObject()));

    public JsonObject Resource(string id) => Json["Resources"]![id]!.AsObject();

    /// <summary>The functions of the pipeline's handlers (not the stage code deployment's).</summary>
    public IEnumerable<(string Id, JsonObject Resource)> PipelineFunctions() =>
        Resources("AWS::Lambda::Function").Where(f => LambdaHandlers.Names.Contains(f.Resource["Properties"]!["Handler"]!.GetValue<string>()));

    /// <summary>The logical id of the role a function named <paramref name="functionName"/> runs as.</summary>
    public string FunctionRoleId(string functionName) =>
        Resources("AWS::Lambda::Function")
            .Single(f => f.Resource["Properties"]!["FunctionName"]?.GetValue<string>() == functionName)
            .Resource["Properties"]!["Role"]!["Fn::GetAtt"]![0]!.GetValue<string>();

    /// <summary>
    /// A string property as deployed, with each intrinsic of an Fn::Join written as
    /// <c>{Ref:Id}</c> or <c>{GetAtt:Id.Attribute}</c>.
    /// </summary>
    public static string Text(JsonNode node) => node switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonObject o when o["Fn::Join"] is JsonArray join => string.Join(join[0]!.GetValue<string>(), join[1]!.AsArray().Select(p => Text(p!))),
        JsonObject o when o["Ref"] is { } r => $"{{Ref:{r.GetValue<string>()}}}",
        JsonObject o when o["Fn::Sub"] is JsonValue sub => sub.GetValue<string>(),
        JsonObject o when o["Fn::GetAtt"] is JsonArray a => $"{{GetAtt:{a[0]!.GetValue<string>()}.{a[1]!.GetValue<string>()}}}",
        _ => throw new ArgumentException($"not a string expression: {node.ToJsonString()}", nameof(node)),
    };
}

/// <summary>
/// Synthesizes the stack the way Program does, from the real cdk.json context, with the function
/// asset pointed at a stand-in <c>bootstrap</c> so the tests need no AOT publish.
/// </summary>
internal static class Synth
{
    private static readonly Lazy<Synthesized> Default = new(() => Stack());

    public static Synthesized DefaultStack => Default.Value;

    /// <summary>The context of cdk.json with test paths; <paramref name="edit"/> changes it before the synth.</summary>
    public static JsonObject Context(Action<JsonObject>? edit = null)
    {
        var context = JsonNode.Parse(File.ReadAllText(Repo.CdkJson))!["context"]!.AsObject().DeepClone().AsObject();
        context[AppSettings.FunctionsAssetKey] = FakeFunctionsAsset.Directory;
        context[AppSettings.StateMachineDirectoryKey] = Repo.StateMachines;
        context[AppSettings.StageCodeDirectoryKey] = Repo.Jobs;
        edit?.Invoke(context);
        return context;
    }

    public static App App(JsonObject context, string? outDir = null) =>
        new(new AppProps { Context = (IDictionary<string, object>)ToClr(context)!, Outdir = outDir });

    /// <summary>Reads the settings as Program does, but from the context directly, without an App: for many cases fast.</summary>
    public static AppSettings Read(JsonObject context) => AppSettings.Read(key => ToClr(context[key]));

    public static AppSettings Settings(Action<JsonObject>? edit = null) => AppSettings.FromContext(App(Context(edit)).Node);

    public static Synthesized Stack(Action<JsonObject>? edit = null)
    {
        var outDir = Directory.CreateTempSubdirectory("cdk-tests-").FullName;
        var app = App(Context(edit), outDir);
        var settings = AppSettings.FromContext(app.Node);
        var stack = PipelineApp.AddStack(app, settings);
        var template = Template.FromStack(stack);
        var json = JsonNode.Parse(JsonSerializer.Serialize(template.ToJSON()))!.AsObject();
        return new Synthesized(stack, settings, template, json, outDir);
    }

    public static JsonObject Pipeline(this JsonObject context) => context[AppSettings.PipelineKey]!.AsObject();

    public static JsonObject Deployment(this JsonObject context) => context[AppSettings.DeploymentKey]!.AsObject();

    /// <summary>jsii takes context as plain dictionaries, arrays and scalars.</summary>
    internal static object? ToClr(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => ToClr(p.Value)!),
        JsonArray a => a.Select(ToClr).ToArray(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"unexpected JSON node {node.GetType().Name}", nameof(node)),
    };
}
