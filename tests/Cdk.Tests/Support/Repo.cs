namespace Pipeline.Cdk.Tests.Support;

/// <summary>Paths in the repository the tests read: the real cdk.json and state machine files, not copies.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string CdkJson => Path.Combine(Root, "cdk.json");

    public static string StateMachines => Path.Combine(Root, "statemachine");

    public static string Jobs => Path.Combine(Root, "jobs");

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Serverless.sln above {AppContext.BaseDirectory}");
    }
}
