namespace Pipeline.Functions.Domain;

/// <summary>Dates as the pipeline's users see them: in the configured time zone, not UTC.</summary>
public static class LocalCalendar
{
    public static DateOnly Today(PipelineSettings settings, TimeProvider clock)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.TimeZone);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
    }

    /// <summary>Tomorrow is allowed so a run for a day that already began somewhere in the zone is never refused.</summary>
    public static DateOnly LatestBatchDate(PipelineSettings settings, TimeProvider clock) => Today(settings, clock).AddDays(1);

    /// <summary>Airflow's ds for a scheduled run: the day before the schedule fired, in the pipeline's zone.</summary>
    public static DateOnly BatchDateFor(DateTimeOffset scheduledTime, PipelineSettings settings)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.TimeZone);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(scheduledTime, zone).DateTime).AddDays(-1);
    }
}
