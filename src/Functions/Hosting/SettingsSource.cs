using Pipeline.Functions.Domain;

namespace Pipeline.Functions.Hosting;

/// <summary>Settings from the PIPELINE_SETTINGS variable (set by the CDK app), else the built-in pothole pipeline.</summary>
public static class SettingsSource
{
    public const string Variable = "PIPELINE_SETTINGS";

    public static PipelineSettings Load(Func<string, string?> environment)
    {
        var json = environment(Variable);
        var settings = string.IsNullOrWhiteSpace(json) ? PipelineSettings.PotholePipeline : SettingsJson.Parse(json);
        SettingsValidator.EnsureValid(settings);
        return settings;
    }
}
