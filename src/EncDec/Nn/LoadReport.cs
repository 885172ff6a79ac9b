using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// What loading a state dict found (<see cref="Module.LoadStateDict"/>, <c>IO.StateDict.LoadInto</c>): target keys absent
/// from the source (with the target's shape), source keys the target lacks, and shape mismatches; all sorted by name.
/// </summary>
public sealed record LoadReport(IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<ShapeMismatch> Mismatched)
{
    /// <summary>The shapes of the <see cref="Missing"/> keys in the target, in the same order.</summary>
    public IReadOnlyList<int[]> MissingShapes { get; init; } = [];

    public bool IsClean => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>Grouped: <c>missing: a, b; unexpected: c; shape mismatch: d: expected (2), found (3)</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Missing.Count > 0) parts.Add("missing: " + string.Join(", ", Missing));
        if (Unexpected.Count > 0) parts.Add("unexpected: " + string.Join(", ", Unexpected));
        if (Mismatched.Count > 0) parts.Add("shape mismatch: " + string.Join("; ", Mismatched));
        return parts.Count == 0 ? "ok" : string.Join("; ", parts);
    }

    /// <summary>
    /// One item per problem, as a module reports them: <c>missing key 'a' (2, 3)</c>, <c>shape mismatch for 'b': checkpoint
    /// (4), model (5)</c>, <c>unexpected key 'c'</c> — the first <paramref name="shown"/> and a count of the rest.
    /// </summary>
    public string Itemized(int shown)
    {
        var problems = new List<string>();
        for (int i = 0; i < Missing.Count; i++)
            problems.Add($"missing key '{Missing[i]}'" + (i < MissingShapes.Count ? " " + ShapeUtil.Format(MissingShapes[i]) : ""));
        foreach (var m in Mismatched)
            problems.Add($"shape mismatch for '{m.Name}': checkpoint {ShapeUtil.Format(m.Found)}, model {ShapeUtil.Format(m.Expected)}");
        foreach (var u in Unexpected) problems.Add($"unexpected key '{u}'");
        return string.Join("; ", problems.Take(shown)) + (problems.Count > shown ? $" (and {problems.Count - shown} more)" : "");
    }
}
