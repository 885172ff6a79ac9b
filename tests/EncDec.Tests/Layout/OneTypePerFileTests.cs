using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace EncDec.Tests.Layout;

/// <summary>
/// "A file per public type, named after it": every public top-level type of the projects under src/ (read by reflection
/// from the built assemblies) is declared in a file of its project named <c>Name.cs</c>, or <c>Name.Part.cs</c> for the
/// parts of a partial type; a generic type goes by its name without arity (<c>Foo&lt;T&gt;</c> in <c>Foo.cs</c>, beside a
/// non-generic <c>Foo</c>). tools/SplitTypes moves types to such files.
/// </summary>
public sealed partial class OneTypePerFileTests
{
    [Fact]
    public void EveryPublicTopLevelTypeLivesInAFileNamedAfterIt()
    {
        string src = Path.Combine(LayeringTests.RepoRoot(), "src");
        var misplaced = new List<string>();
        int checkedTypes = 0;
        foreach (var project in Directory.EnumerateFiles(src, "*.csproj", SearchOption.AllDirectories))
        {
            string folder = Path.GetDirectoryName(project)!;
            string assemblyName = Regex.Match(File.ReadAllText(project), "<AssemblyName>([^<]+)</AssemblyName>") is { Success: true } m
                ? m.Groups[1].Value : Path.GetFileNameWithoutExtension(project);
            var declaredIn = new Dictionary<string, List<string>>(StringComparer.Ordinal);   // type name → files declaring it
            foreach (var (path, text) in SourceFiles(folder))
                foreach (Match d in Declaration().Matches(text))
                {
                    string declared = d.Groups["t"].Success ? d.Groups["t"].Value : d.Groups["d"].Value;
                    if (!declaredIn.TryGetValue(declared, out var list)) declaredIn[declared] = list = [];
                    if (!list.Contains(path)) list.Add(path);
                }
            foreach (var type in Assembly.Load(assemblyName).GetExportedTypes().Where(t => !t.IsNested))
            {
                string name = type.Name.Split('`')[0];
                if (!declaredIn.TryGetValue(name, out var declaring)) continue;   // generated code (not a file under src/)
                checkedTypes++;
                var stems = declaring.Select(Path.GetFileNameWithoutExtension).ToList();
                if (!stems.Any(s => s == name || s!.StartsWith(name + ".", StringComparison.Ordinal)))
                    misplaced.Add($"{type.FullName} is declared in {string.Join(", ", declaring.Select(f => Path.GetRelativePath(src, f)))}");
            }
        }
        Assert.True(checkedTypes > 300, $"only {checkedTypes} public types found");
        Assert.True(misplaced.Count == 0, $"{misplaced.Count} public types not in a file named after them:\n" + string.Join("\n", misplaced));
    }

    private static IEnumerable<(string Path, string Text)> SourceFiles(string projectFolder)
    {
        foreach (var file in Directory.EnumerateFiles(projectFolder, "*.cs", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(projectFolder, file).Replace('\\', '/');
            if (rel.StartsWith("bin/", StringComparison.Ordinal) || rel.StartsWith("obj/", StringComparison.Ordinal)) continue;
            // comment lines aside (a doc comment may say "the class Foo")
            yield return (file, string.Join("\n", File.ReadLines(file).Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal))));
        }
    }

    /// <summary>A type declaration: the name of a class, struct, record, interface or enum (t), or of a delegate (d).</summary>
    [GeneratedRegex(@"\b(?:record\s+(?:class\s+|struct\s+)?|class\s+|struct\s+|interface\s+|enum\s+)(?<t>\w+)|\bdelegate\s+[\w<>\[\]?,. ]+?\s(?<d>\w+)\s*[<(]")]
    private static partial Regex Declaration();
}
