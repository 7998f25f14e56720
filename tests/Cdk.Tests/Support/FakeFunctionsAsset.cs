namespace Pipeline.Cdk.Tests.Support;

/// <summary>Stands in for artifacts/functions: a <c>bootstrap</c> and the debug file the asset must leave out.</summary>
internal static class FakeFunctionsAsset
{
    private static readonly Lazy<string> Dir = new(() =>
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("functions-asset-").FullName;
        File.WriteAllText(Path.Combine(dir, "bootstrap"), "#!/bin/sh\n# stand-in for the Native AOT bootstrap\n");
        File.WriteAllText(Path.Combine(dir, "bootstrap.dbg"), "debug symbols that must not be uploaded");
        return dir;
    });

    public static string Directory => Dir.Value;
}
