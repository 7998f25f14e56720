using Pipeline.Functions.Domain;
using Pipeline.Functions.Tests.Fakes;

namespace Pipeline.Functions.Tests.Domain;

public sealed class BatchDateTests
{
    private static readonly DateOnly Latest = new(2026, 11, 24);

    [Theory]
    [InlineData("2026-02-12", "20260212")]
    [InlineData("2000-01-01", "20000101")]
    [InlineData("2024-02-29", "20240229")]
    [InlineData("2026-11-24", "20261124")]
    public void Parses_a_real_calendar_day(string text, string nodash)
    {
        var date = BatchDate.Parse("date", text, Latest);
        Assert.Equal(text, date.Ds);
        Assert.Equal(nodash, date.DsNodash);
    }

    [Theory]
    [InlineData("2026-02-30")]
    [InlineData("2025-02-29")]
    [InlineData("2026-13-01")]
    [InlineData("2026-00-10")]
    public void Rejects_days_that_are_not_in_the_calendar(string text)
    {
        var e = Expect.Error(ErrorNames.InvalidInput, () => BatchDate.Parse("date", text, Latest));
        Assert.Contains("not a day of the calendar", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-2-12")]
    [InlineData("2026/02/12")]
    [InlineData("20260212")]
    [InlineData(" 2026-02-12")]
    [InlineData("2026-02-12 ")]
    [InlineData("2026-02-12T00:00:00Z")]
    [InlineData("٢٠٢٦-٠٢-١٢")]
    [InlineData("２０２６-０２-１２")]
    [InlineData("2026-02-1$")]
    [InlineData("")]
    public void Rejects_other_formats_and_non_ascii_digits(string text)
    {
        var e = Expect.Error(ErrorNames.InvalidInput, () => BatchDate.Parse("date", text, Latest));
        Assert.StartsWith("date: expected a date written YYYY-MM-DD", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_dates_before_2000()
    {
        var e = Expect.Error(ErrorNames.InvalidInput, () => BatchDate.Parse("date", "1999-12-31", Latest));
        Assert.Contains("before the earliest batch date 2000-01-01", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_dates_after_the_latest_allowed()
    {
        var e = Expect.Error(ErrorNames.InvalidInput, () => BatchDate.Parse("date", "2026-11-25", Latest));
        Assert.Contains("in the future", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_escapes_control_characters_and_truncates_long_values()
    {
        Assert.Equal("\"a\\u000ab\"", BatchDate.Describe("a\nb"));
        Assert.Equal(43, BatchDate.Describe(new string('x', 500)).Length);
    }
}
