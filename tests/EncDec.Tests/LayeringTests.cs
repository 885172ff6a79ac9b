using System.Text.RegularExpressions;
using Xunit;

namespace EncDec.Tests;

/// <summary>
/// The library's layering (see ARCHITECTURE.md): each folder of src/EncDec declares its own namespace (subfolders nested)
/// and imports only earlier folders, read from the <c>using</c> directives of every file.
/// </summary>
public partial class LayeringTests
{
    /// <summary>The folders of src/EncDec in dependency order: a folder may use only the ones before it.</summary>
    internal static readonly string[] Layers =
        { "Tensors", "Autograd", "Nn", "Optim", "Text", "Data", "Models", "Generation", "Training", "Distributed", "Metrics", "IO", "TimeSeries", "Pipelines" };

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?EncDec\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex UsingEncDec();

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EncDec.sln"))) return dir.FullName;
        throw new InvalidOperationException("EncDec.sln not found above the test binaries");
    }

    private static IEnumerable<(string Relative, string[] Folders, string Text)> LibraryFiles()
    {
        string lib = Path.Combine(RepoRoot(), "src", "EncDec");
        foreach (var file in Directory.EnumerateFiles(lib, "*.cs", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(lib, file).Replace('\\', '/');
            if (rel.StartsWith("bin/", StringComparison.Ordinal) || rel.StartsWith("obj/", StringComparison.Ordinal)) continue;
            var parts = rel.Split('/');
            yield return (rel, parts[..^1], File.ReadAllText(file));
        }
    }

    [Fact]
    public void EveryFolderUsesOnlyEarlierFolders()
    {
        var violations = new List<string>();
        int files = 0;
        foreach (var (rel, folders, text) in LibraryFiles())
        {
            files++;
            int own = folders.Length == 0 ? -1 : Array.IndexOf(Layers, folders[0]);
            if (folders.Length > 0 && own < 0) { violations.Add($"{rel}: folder {folders[0]} is not in the layer list"); continue; }
            foreach (Match m in UsingEncDec().Matches(text))
            {
                int used = Array.IndexOf(Layers, m.Groups[1].Value);
                if (used < 0) violations.Add($"{rel}: uses unknown namespace EncDec.{m.Groups[1].Value}");
                else if (used > own) violations.Add($"{rel}: {(own < 0 ? "a root file" : folders[0])} uses the later layer {Layers[used]}");
            }
        }
        Assert.True(files > 50, $"only {files} library files found");
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void EveryFileDeclaresItsFoldersNamespace()
    {
        var violations = new List<string>();
        foreach (var (rel, folders, text) in LibraryFiles())
        {
            string expected = string.Join('.', new[] { "EncDec" }.Concat(folders));
            foreach (Match m in Namespace().Matches(text))
                if (m.Groups[1].Value != expected) violations.Add($"{rel}: namespace {m.Groups[1].Value}, expected {expected}");
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void TheRuleIsCheckedForReal()
    {
        // the regex sees the directives the rule is about (a test that cannot fail is a defect)
        var text = "using EncDec.Metrics;\nusing static EncDec.Nn.F;\nglobal using EncDec.IO;\nusing X = EncDec.Data.Batch;\n";
        Assert.Equal(new[] { "Metrics", "Nn", "IO", "Data" }, UsingEncDec().Matches(text).Select(m => m.Groups[1].Value));
    }
}
