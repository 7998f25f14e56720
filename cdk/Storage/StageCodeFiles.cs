using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Cdk;

/// <summary>
/// Which files of the stage code folder (jobs/) the nodes get: the top-level <c>*.py</c> (drivers and
/// the modules they share) and <c>reference/*.csv</c> (data the stages read). Tests, caches,
/// READMEs and anything else stay behind. The rule is spelled out here rather than as asset exclude
/// globs, whose negations are easy to get subtly wrong.
/// </summary>
public static class StageCodeFiles
{
    public const string ReferenceFolder = "reference";

    /// <summary>The selected files as key suffixes under the code prefix ("stage1.py", "reference/roads.csv"), in ordinal order.</summary>
    public static IReadOnlyList<string> Select(string directory)
    {
        var top = Directory.EnumerateFiles(directory, "*.py", SearchOption.TopDirectoryOnly)
            .Where(IsPlainFile)
            .Select(Path.GetFileName);
        var referenceDirectory = Path.Combine(directory, ReferenceFolder);
        var reference = Directory.Exists(referenceDirectory)
            ? Directory.EnumerateFiles(referenceDirectory, "*.csv", SearchOption.TopDirectoryOnly)
                .Where(IsPlainFile)
                .Select(f => $"{ReferenceFolder}/{Path.GetFileName(f)}")
            : [];

        return top.Concat(reference).Select(f => f!).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A directory holding exactly the selected files, for the asset to package. It is named by a hash
    /// of the files' names and contents, so the same code reuses the same directory and the asset
    /// hash follows the code, not the machine.
    /// </summary>
    public static string Stage(string directory)
    {
        var files = Select(directory);
        var hash = ContentHash(directory, files);
        var root = Path.Combine(Path.GetTempPath(), "pipeline-stage-code");
        var staged = Path.Combine(root, hash);
        if (Directory.Exists(staged))
        {
            return staged;
        }

        Directory.CreateDirectory(root);
        var building = Path.Combine(root, $"{hash}.{Guid.NewGuid():N}.tmp");
        foreach (var file in files)
        {
            var target = Path.Combine(building, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(directory, file), target);
        }

        try
        {
            Directory.Move(building, staged);
        }
        catch (IOException) when (Directory.Exists(staged))
        {
            // Another synth staged the same code first; its copy is identical.
            Directory.Delete(building, recursive: true);
        }

        return staged;
    }

    private static string ContentHash(string directory, IReadOnlyList<string> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            sha.AppendData(File.ReadAllBytes(Path.Combine(directory, file)));
            sha.AppendData("\0"u8);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Regular files only: a symbolic link could pull in something from outside the folder.</summary>
    private static bool IsPlainFile(string path)
    {
        var name = Path.GetFileName(path);
        return !name.StartsWith('.') && new FileInfo(path).LinkTarget is null;
    }
}
