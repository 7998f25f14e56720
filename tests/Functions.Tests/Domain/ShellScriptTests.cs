using CsCheck;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Domain;

public sealed class ShellScriptTests
{
    /// <summary>Characters bash gives meaning to, weighted up so nearly every sample holds several.</summary>
    private const string Hostile = " \t\n\r'\"`$()[]{}<>|&;*?~!#=%^\\,.-:/@+";

    private static readonly Gen<string> Argument =
        Gen.Frequency(
                (4, Gen.Char[Hostile]),
                (2, Gen.Char['a', 'z']),
                (1, Gen.Char['\u0001', '\u001f']),
                (1, Gen.Char['\u0080', '\ud7ff']))
            .Array[0, 24]
            .Select(chars => new string(chars));

    [Fact]
    public void Bash_parses_every_joined_command_back_into_exactly_its_arguments()
    {
        Argument.Array[1, 6].Sample(args =>
        {
            var (exit, stdout, stderr) = Bash.Run(ShellScript.Join(["printf", "%s\\0", .. args]));
            Assert.True(exit == 0, stderr);
            Assert.Equal(args, Bash.Words(stdout));
        }, iter: 1000);
    }

    [Theory]
    [InlineData("$(touch /tmp/pwned)")]
    [InlineData("`id`")]
    [InlineData("a'; rm -rf / #")]
    [InlineData("x\ny")]
    [InlineData("*")]
    [InlineData("")]
    [InlineData("'")]
    public void Known_injection_attempts_stay_single_words(string value)
    {
        var (exit, stdout, _) = Bash.Run(ShellScript.Join(["printf", "%s\\0", value]));
        Assert.Equal(0, exit);
        Assert.Equal([value], Bash.Words(stdout));
    }

    [Fact]
    public void A_nul_character_is_refused_rather_than_silently_truncated()
    {
        var e = Expect.Error(ErrorNames.InvalidInput, () => ShellScript.Quote("a\0b"));
        Assert.Contains("NUL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Exported_values_arrive_unchanged()
    {
        Argument.Sample(value =>
        {
            var script = ShellScript.Strict().Export("VALUE", value).Fixed("printf '%s\\0' \"$VALUE\"").Build();
            var (exit, stdout, stderr) = Bash.Run(script);
            Assert.True(exit == 0, stderr);
            Assert.Equal([value], Bash.Words(stdout));
        }, iter: 200);
    }

    [Theory]
    [InlineData("lower")]
    [InlineData("A;B")]
    [InlineData("1ABC")]
    [InlineData("")]
    public void Export_refuses_names_that_are_not_plain_variables(string name) =>
        Assert.Throws<ArgumentException>(() => ShellScript.Strict().Export(name, "x"));
}
