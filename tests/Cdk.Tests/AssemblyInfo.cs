using System.Runtime.CompilerServices;

// One jsii runtime (a Node process) serves the whole test run; keep its callers in line.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Pipeline.Cdk.Tests;

internal static class JsiiQuiet
{
    /// <summary>jsii prints a large banner for Node releases past their end of life; it says nothing about the stack.</summary>
    [ModuleInitializer]
    internal static void SilenceNodeVersionBanner()
    {
        if (Environment.GetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION") is null)
        {
            Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");
        }
    }
}
