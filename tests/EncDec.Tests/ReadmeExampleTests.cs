using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace EncDec.Tests;

/// <summary>
/// The README's C# examples are the sample projects under samples/, word for word; those projects are in the solution,
/// so building it compiles every example as a fresh console project with nullable warnings as errors.
/// </summary>
public partial class ReadmeExampleTests
{
    private static readonly string[] Samples = { "Translate", "Decode", "LanguageModel" };

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [Fact]
    public void ReadmeExamplesAreTheSampleProgramsAsBuilt()
    {
        string root = LayeringTests.RepoRoot();
        var blocks = CSharpBlock().Matches(File.ReadAllText(Path.Combine(root, "README.md")).Replace("\r\n", "\n"))
                                  .Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(Samples.Length, blocks.Count);
        string solution = File.ReadAllText(Path.Combine(root, "EncDec.sln"));
        for (int i = 0; i < Samples.Length; i++)
        {
            string program = File.ReadAllText(Path.Combine(root, "samples", Samples[i], "Program.cs")).Replace("\r\n", "\n");
            Assert.Equal(program, blocks[i]);
            Assert.Contains($"samples\\{Samples[i]}\\{Samples[i]}.csproj", solution, StringComparison.Ordinal);
            var project = XDocument.Load(Path.Combine(root, "samples", Samples[i], $"{Samples[i]}.csproj"));
            Assert.Equal("enable", project.Descendants("Nullable").Single().Value);
            Assert.Equal("nullable", project.Descendants("WarningsAsErrors").Single().Value);
            // no null-forgiving operator and no casts in what a user is shown
            Assert.DoesNotMatch(@"\w!(?!=)", program);
            Assert.DoesNotMatch(@"\((?:I?[A-Z]\w*)\)\s*\w", program);
        }
    }
}
