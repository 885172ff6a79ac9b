using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SplitTypes;

/// <summary>
/// "A file per public type, named after it": for every .cs file under the given folders (bin/ and obj/ skipped), each
/// public top-level type (class, struct, record, interface, enum, delegate) whose name is not the file's moves to its own
/// file <c>Name.cs</c> in the same folder, with the file's using directives (all of them), its namespace (file-scoped or
/// block, nested blocks kept) and everything attached above the type (XML doc comments, attributes). A file is named after a
/// type when its name is <c>Name.cs</c> or <c>Name.Part.cs</c> (the parts of a partial type). Generic types go by their name
/// without arity: <c>Foo&lt;T&gt;</c> to <c>Foo.cs</c>, beside a non-generic <c>Foo</c> when there is one (same-named types of
/// different arity share a file). A non-public top-level type goes with the one public type of its file that uses it, and
/// stays where it is when none or several do. A file left without types is deleted. A destination that already exists is
/// never overwritten: the type stays and the tool says so (exit code 2).
/// <para>Usage: <c>dotnet run -c Release --project tools/SplitTypes -- [--dry-run] src</c> (from the repository root).</para>
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        bool dryRun = args.Contains("--dry-run");
        var roots = args.Where(a => a != "--dry-run").ToList();
        if (roots.Count == 0) { Console.Error.WriteLine("usage: SplitTypes [--dry-run] FOLDER..."); return 1; }
        var files = roots.SelectMany(r => Directory.EnumerateFiles(r, "*.cs", SearchOption.AllDirectories))
                         .Where(f => !IsBuildOutput(f)).Order(StringComparer.Ordinal).ToList();
        var claimed = new HashSet<string>(files.Select(Path.GetFullPath), StringComparer.Ordinal);
        int before = files.Count, created = 0, deleted = 0, problems = 0;
        foreach (var file in files)
        {
            var plan = FilePlan.Make(file);
            if (plan is null) continue;
            foreach (var (dest, _) in plan.Moves)
                if (!claimed.Add(Path.GetFullPath(dest)))
                {
                    Console.Error.WriteLine($"skipped: {file}: {Path.GetFileName(dest)} already exists; its type stays");
                    problems++;
                    plan.Keep(dest);
                }
            if (plan.Moves.Count == 0) continue;
            foreach (var (dest, text) in plan.Moves)
            {
                Console.WriteLine($"{file} -> {Path.GetFileName(dest)}");
                if (!dryRun) File.WriteAllText(dest, text, plan.Encoding);
                created++;
            }
            var rest = plan.Remainder();
            if (rest is null)
            {
                Console.WriteLine($"{file}: no types left, deleted");
                if (!dryRun) File.Delete(file);
                claimed.Remove(Path.GetFullPath(file));
                deleted++;
            }
            else if (!dryRun) File.WriteAllText(file, rest, plan.Encoding);
        }
        Console.WriteLine($"{before} files before, {before + created - deleted} after ({created} created, {deleted} deleted){(dryRun ? " (dry run)" : "")}");
        return problems > 0 ? 2 : 0;
    }

    private static bool IsBuildOutput(string path)
    {
        var parts = path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return parts.Contains("obj") || parts.Contains("bin");
    }
}

/// <summary>A top-level type of a file: its declaration, name, whether it is public, and its enclosing namespaces (outermost first).</summary>
internal sealed record TopLevelType(MemberDeclarationSyntax Node, string Name, bool IsPublic, IReadOnlyList<BaseNamespaceDeclarationSyntax> Namespaces)
{
    public static IEnumerable<TopLevelType> Of(CompilationUnitSyntax unit) => Walk(unit.Members, []);

    private static IEnumerable<TopLevelType> Walk(SyntaxList<MemberDeclarationSyntax> members, List<BaseNamespaceDeclarationSyntax> chain)
    {
        foreach (var m in members)
        {
            switch (m)
            {
                case BaseNamespaceDeclarationSyntax ns:
                    foreach (var t in Walk(ns.Members, [.. chain, ns])) yield return t;
                    break;
                case BaseTypeDeclarationSyntax t:
                    yield return new TopLevelType(t, t.Identifier.Text, t.Modifiers.Any(SyntaxKind.PublicKeyword), chain);
                    break;
                case DelegateDeclarationSyntax d:
                    yield return new TopLevelType(d, d.Identifier.Text, d.Modifiers.Any(SyntaxKind.PublicKeyword), chain);
                    break;
            }
        }
    }

    /// <summary>True when <paramref name="fileStem"/> (a file name without .cs) is this type's: Name, or Name.Part.</summary>
    public bool NamesFile(string fileStem) => fileStem == Name || fileStem.StartsWith(Name + ".", StringComparison.Ordinal);

    /// <summary>True when this declaration mentions <paramref name="name"/> (a simple or generic name).</summary>
    public bool Mentions(string name) => Node.DescendantNodes().OfType<SimpleNameSyntax>().Any(n => n.Identifier.Text == name);
}

/// <summary>What splitting one file does: the new files (path, text) and, on request, the text left in the file.</summary>
internal sealed class FilePlan
{
    private readonly string _path;
    private readonly string _text;
    private readonly CompilationUnitSyntax _unit;
    private readonly string _newLine;
    private readonly Dictionary<string, List<TopLevelType>> _groups;   // destination path → the types it gets
    public Encoding Encoding { get; }

    private FilePlan(string path, string text, CompilationUnitSyntax unit, Encoding encoding, Dictionary<string, List<TopLevelType>> groups)
    {
        _path = path; _text = text; _unit = unit; Encoding = encoding; _groups = groups;
        _newLine = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
    }

    /// <summary>The plan of <paramref name="path"/>, or null when every public type already lives in a file named after it.</summary>
    public static FilePlan? Make(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bool bom = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF;
        string text = new UTF8Encoding(false).GetString(bytes, bom ? 3 : 0, bytes.Length - (bom ? 3 : 0));
        var tree = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Preview), path);
        if (tree.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) is { } error)
            throw new InvalidOperationException($"{path}: does not parse: {error}");
        var unit = tree.GetCompilationUnitRoot();
        var types = TopLevelType.Of(unit).ToList();
        string stem = Path.GetFileNameWithoutExtension(path);
        string folder = Path.GetDirectoryName(path) ?? ".";
        var moving = types.Where(t => t.IsPublic && !t.NamesFile(stem)).ToList();
        if (moving.Count == 0) return null;
        var groups = new Dictionary<string, List<TopLevelType>>(StringComparer.Ordinal);
        foreach (var t in moving)
        {
            string dest = Path.Combine(folder, t.Name + ".cs");
            if (!groups.TryGetValue(dest, out var g)) groups[dest] = g = [];
            g.Add(t);
        }
        // a non-public type goes with the one public type (moving or staying) that uses it
        var publicTypes = types.Where(t => t.IsPublic).ToList();
        foreach (var helper in types.Where(t => !t.IsPublic))
        {
            var users = publicTypes.Where(p => p.Mentions(helper.Name)).ToList();
            if (users.Count != 1) continue;
            var user = users[0];
            var dest = groups.FirstOrDefault(kv => kv.Value.Contains(user)).Key;
            if (dest is not null) groups[dest].Add(helper);
        }
        foreach (var g in groups.Values) g.Sort((a, b) => a.Node.SpanStart.CompareTo(b.Node.SpanStart));
        return new FilePlan(path, text, unit, bom ? new UTF8Encoding(true) : new UTF8Encoding(false), groups);
    }

    /// <summary>The new files: path and text.</summary>
    public IReadOnlyList<(string Path, string Text)> Moves => _groups.Select(kv => (kv.Key, Render(kv.Value))).ToList();

    /// <summary>Leaves the types meant for <paramref name="dest"/> where they are (the destination exists).</summary>
    public void Keep(string dest) => _groups.Remove(dest);

    /// <summary>The file's text without the moved types, or null when no type is left in it (the file goes).</summary>
    public string? Remainder()
    {
        var moved = _groups.Values.SelectMany(g => g).Select(t => t.Node).ToHashSet();
        var left = TopLevelType.Of(_unit).Count(t => !moved.Contains(t.Node));
        if (left == 0 && _unit.AttributeLists.Count == 0) return null;
        var sb = new StringBuilder();
        int at = 0;
        foreach (var span in moved.Select(n => n.FullSpan).OrderBy(s => s.Start))
        {
            Append(sb, _text[at..span.Start]);
            at = span.End;
        }
        Append(sb, _text[at..]);
        string result = sb.ToString().TrimEnd('\r', '\n', ' ', '\t') + _newLine;
        return result;
    }

    /// <summary>Appends a piece of the file, without the blank lines that would double one already written.</summary>
    private void Append(StringBuilder sb, string piece)
    {
        if (sb.Length > 0 && EndsWithBlankLine(sb))
            while (FirstLineIsBlank(piece, out int next)) piece = piece[next..];
        sb.Append(piece);
    }

    private static bool EndsWithBlankLine(StringBuilder sb)
    {
        string tail = sb.ToString(Math.Max(0, sb.Length - 400), Math.Min(400, sb.Length));
        var lines = tail.Split('\n');
        // the text ends "…\n" + spaces: the last complete line is lines[^2]; blank when it holds only whitespace
        return lines.Length >= 2 && lines[^1].Trim().Length == 0 && lines[^2].Trim().Length == 0
               || tail.Length == sb.Length && tail.Trim().Length == 0;
    }

    private static bool FirstLineIsBlank(string s, out int next)
    {
        int nl = s.IndexOf('\n');
        next = nl + 1;
        return nl >= 0 && s[..nl].Trim().Length == 0;
    }

    /// <summary>A new file holding <paramref name="types"/>: the file's usings, its namespaces, the declarations as written.</summary>
    private string Render(List<TopLevelType> types)
    {
        string nl = _newLine;
        var chain = types[0].Namespaces;
        foreach (var t in types)
            if (!t.Namespaces.SequenceEqual(chain))
                throw new InvalidOperationException($"{_path}: {t.Name} and {types[0].Name} are in different namespaces and would share a file");
        var sb = new StringBuilder();
        foreach (var e in _unit.Externs) sb.Append(e.ToString()).Append(nl);
        foreach (var u in _unit.Usings.Where(u => u.GlobalKeyword.IsKind(SyntaxKind.None))) sb.Append(u.ToString()).Append(nl);
        if (sb.Length > 0) sb.Append(nl);
        string body = string.Join(nl, types.Select(t => TrimLeadingBlankLines(t.Node.ToFullString()).TrimEnd() + nl));
        if (chain.Count == 1 && chain[0] is FileScopedNamespaceDeclarationSyntax fs)
        {
            sb.Append("namespace ").Append(fs.Name.ToString()).Append(';').Append(nl);
            foreach (var u in fs.Usings) sb.Append(u.ToString()).Append(nl);
            sb.Append(nl).Append(body);
            return sb.ToString();
        }
        if (chain.Any(n => n is FileScopedNamespaceDeclarationSyntax))
            throw new InvalidOperationException($"{_path}: a file-scoped namespace inside another namespace");
        for (int i = 0; i < chain.Count; i++)
        {
            string indent = new(' ', 4 * i);
            sb.Append(indent).Append("namespace ").Append(chain[i].Name.ToString()).Append(nl).Append(indent).Append('{').Append(nl);
            foreach (var u in chain[i].Usings) sb.Append(indent).Append("    ").Append(u.ToString()).Append(nl);
            if (chain[i].Usings.Count > 0 && i == chain.Count - 1) sb.Append(nl);
        }
        sb.Append(body);
        for (int i = chain.Count - 1; i >= 0; i--) sb.Append(new string(' ', 4 * i)).Append('}').Append(nl);
        return sb.ToString();
    }

    private static string TrimLeadingBlankLines(string s)
    {
        while (FirstLineIsBlank(s, out int next)) s = s[next..];
        return s;
    }
}
