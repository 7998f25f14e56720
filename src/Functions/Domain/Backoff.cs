namespace Pipeline.Functions.Domain;

/// <summary>
/// How long to wait before the next status check: the first look comes soon, later ones back off
/// (doubling) up to a ceiling, so a long stage costs a handful of state transitions, not a fast loop.
/// </summary>
public static class Backoff
{
    public static int NextDelaySeconds(PollSettings poll, int attempt)
    {
        var exponent = Math.Clamp(attempt, 0, 16);
        var delay = (long)poll.InitialSeconds << exponent;
        return (int)Math.Min(delay, poll.MaxSeconds);
    }
}
