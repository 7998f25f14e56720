using Pipeline.Functions.Domain;

namespace Pipeline.Functions.Tests.Domain;

public sealed class BackoffTests
{
    [Fact]
    public void Doubles_from_the_initial_delay_up_to_the_ceiling()
    {
        var poll = new PollSettings { InitialSeconds = 15, MaxSeconds = 120 };
        var delays = Enumerable.Range(0, 6).Select(a => Backoff.NextDelaySeconds(poll, a)).ToList();
        Assert.Equal([15, 30, 60, 120, 120, 120], delays);
    }

    [Fact]
    public void Huge_attempt_numbers_do_not_overflow()
    {
        var poll = new PollSettings { InitialSeconds = 3600, MaxSeconds = 3600 };
        Assert.Equal(3600, Backoff.NextDelaySeconds(poll, int.MaxValue));
    }
}
