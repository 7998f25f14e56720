using System.Text.Json.Nodes;

namespace Pipeline.Cdk.Tests.Support;

/// <summary>One IAM statement of the template, normalized: actions and resources always lists.</summary>
internal sealed record Statement(string PolicyId, string RoleId, string? Sid, IReadOnlyList<string> Actions, IReadOnlyList<JsonNode?> Resources, JsonObject? Condition)
{
    public bool OnAnyResource => Resources.Any(r => r is JsonValue v && v.GetValue<string>() == "*");

    public IEnumerable<string> ResourceTexts => Resources.Select(r => r!.ToJsonString());
}

internal static class Iam
{
    public static IReadOnlyList<Statement> Statements(this Synthesized s) =>
        s.Resources("AWS::IAM::Policy")
            .SelectMany(p =>
            {
                var roleId = p.Resource["Properties"]!["Roles"]![0]!["Ref"]!.GetValue<string>();
                return p.Resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Select(st => ToStatement(p.Id, roleId, st!.AsObject()));
            })
            .ToList();

    public static IReadOnlyList<Statement> StatementsOfRole(this Synthesized s, string roleId) =>
        s.Statements().Where(st => st.RoleId == roleId).ToList();

    public static IReadOnlyList<string> List(JsonNode? node) => node switch
    {
        null => [],
        JsonArray a => a.Select(x => x!.ToJsonString().Trim('"')).ToList(),
        _ => [node.ToJsonString().Trim('"')],
    };

    private static Statement ToStatement(string policyId, string roleId, JsonObject st) =>
        new(
            policyId,
            roleId,
            st["Sid"]?.GetValue<string>(),
            List(st["Action"]),
            st["Resource"] is JsonArray a ? a.ToList() : [st["Resource"]],
            st["Condition"]?.AsObject());
}
