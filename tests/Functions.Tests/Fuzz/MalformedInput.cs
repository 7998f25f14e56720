using System.Text.Json;
using CsCheck;

namespace Pipeline.Functions.Tests.Fuzz;

/// <summary>Generators of hostile values: the kinds of wrong input an entry point must refuse by name.</summary>
public static class MalformedInput
{
    private const string Hostile = " \t\n\r'\"`$(){}[]<>|&;*?~!#%^\\/.,:=+-";

    /// <summary>Strings from shell metacharacters, control characters, non-ASCII and digits.</summary>
    public static readonly Gen<string> HostileText =
        Gen.Frequency(
                (4, Gen.Char[Hostile]),
                (3, Gen.Char['0', '9']),
                (1, Gen.Char['\u0001', '\u001f']),
                (1, Gen.Char['\u00a0', '\u2fff']),
                (1, Gen.Char["٠١٢٣٤٥٦٧٨٩０１２３"]))
            .Array[0, 30]
            .Select(c => new string(c));

    /// <summary>Texts that look like dates but are not acceptable ones (checked against the rule, not assumed).</summary>
    public static readonly Gen<string> NearDates = Gen.OneOf(
        Gen.Select(Gen.Int[0, 9999], Gen.Int[0, 99], Gen.Int[0, 99], (y, m, d) => $"{y:D4}-{m:D2}-{d:D2}"),
        Gen.Select(Gen.Int[1990, 2030], Gen.Int[1, 12], Gen.Int[1, 31], (y, m, d) => $"{y}-{m}-{d}"),
        Gen.Select(Gen.Int[2000, 2026], Gen.Int[1, 12], Gen.Int[1, 28], (y, m, d) => $"{y:D4}/{m:D2}/{d:D2}"),
        Gen.Select(Gen.Int[2000, 2026], Gen.Int[1, 12], Gen.Int[1, 28], (y, m, d) => $"{d:D2}.{m:D2}.{y:D4}"),
        Gen.Select(Gen.Int[2000, 2026], Gen.Int[1, 12], Gen.Int[1, 28], (y, m, d) => $"{y:D4}{m:D2}{d:D2}"),
        Gen.Select(Gen.Int[2000, 2026], Gen.Int[1, 12], Gen.Int[1, 28], HostileText, (y, m, d, junk) => $"{y:D4}-{m:D2}-{d:D2}{junk}x"),
        Gen.Select(Gen.Int[2000, 2026], Gen.Int[1, 12], Gen.Int[1, 28], (y, m, d) => $" {y:D4}-{m:D2}-{d:D2}"),
        Gen.Select(Gen.Int[2000, 2026], Gen.Int[1, 12], Gen.Int[1, 28], (y, m, d) => $"{y:D4}-{m:D2}-{d:D2}T00:00:00Z"),
        Gen.Select(Gen.Int[2000, 2026], Gen.Int[1, 12], Gen.Int[1, 28], (y, m, d) => $"../{y:D4}-{m:D2}-{d:D2}"),
        Gen.Select(Gen.Int[3000, 9999], Gen.Int[1, 12], Gen.Int[1, 28], (y, m, d) => $"{y:D4}-{m:D2}-{d:D2}"),
        Gen.Select(Gen.Int[1, 1999], Gen.Int[1, 12], Gen.Int[1, 28], (y, m, d) => $"{y:D4}-{m:D2}-{d:D2}"),
        Gen.Int[1000, 100_000].Select(n => new string('9', n)),
        HostileText);

    /// <summary>Any JSON value that is not a string: the wrong type for every field the pipeline takes.</summary>
    public static readonly Gen<string> NonStringJson = Gen.OneOf(
        Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "0.5"),
        Gen.Const("true"), Gen.Const("false"), Gen.Const("null"),
        NearDates.Select(s => "[" + JsonSerializer.Serialize(s) + "]"),
        NearDates.Select(s => "{\"value\":" + JsonSerializer.Serialize(s) + "}"));

    /// <summary>Texts that are not JSON at all, or not whole.</summary>
    public static readonly Gen<string> BrokenJson = Gen.OneOf(
        HostileText.Select(s => "{" + s),
        HostileText.Select(s => "{\"date\":\"" + s),
        HostileText.Select(s => s + "}"),
        Gen.Const("{'date':'2026-02-12'}"),
        Gen.Const("{\"date\":\"2026-02-12\",}"),
        Gen.Const("{date: \"2026-02-12\"}"));

    public static string Json(string value) => JsonSerializer.Serialize(value);

    /// <summary>The acceptance rule for a batch date, written independently of BatchDate as the test oracle.</summary>
    public static bool IsAcceptableDate(string text, DateOnly latest) =>
        text.Length == 10 && text.All(c => c is (>= '0' and <= '9') or '-') && text[4] == '-' && text[7] == '-'
        && DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day)
        && day >= new DateOnly(2000, 1, 1) && day <= latest;
}
