using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// The library's one state-dict loader: matches tensors by name, checks shapes, and copies. <see cref="Module.LoadStateDict"/>
/// (a module's own tensors) and <c>IO.StateDict.LoadInto</c> (any name → tensor map) are this routine.
/// </summary>
internal static class StateDictLoader
{
    /// <summary>How a strict failure is described: grouped by kind (<see cref="LoadReport.ToString"/>) or item by item.</summary>
    internal enum MessageStyle { Grouped, Itemized }

    /// <summary>The report of loading <paramref name="source"/> into <paramref name="target"/>, copying nothing.</summary>
    public static LoadReport Compare(IReadOnlyDictionary<string, Tensor> source, IReadOnlyDictionary<string, Tensor> target)
    {
        var missing = target.Keys.Where(k => !source.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var mismatched = new List<ShapeMismatch>();
        foreach (var (k, t) in target.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (source.TryGetValue(k, out var s) && !ShapeUtil.SameShape(s.Shape, t.Shape))
                mismatched.Add(new ShapeMismatch(k, t.Shape, s.Shape));
        return new LoadReport(missing, unexpected, mismatched) { MissingShapes = missing.Select(k => target[k].Shape).ToList() };
    }

    /// <summary>
    /// Copies each source tensor into the target tensor of the same name and shape. With <paramref name="strict"/> any
    /// missing, unexpected or mis-shaped key throws a <see cref="UserInputException"/> (naming <paramref name="sourcePath"/>
    /// when given) before anything is copied; without it a shape mismatch still throws when <paramref name="mismatchAlwaysFails"/>,
    /// and otherwise matching tensors are copied and the report lists the rest.
    /// </summary>
    public static LoadReport Load(IReadOnlyDictionary<string, Tensor> source, IReadOnlyDictionary<string, Tensor> target, bool strict,
                                  string? sourcePath, MessageStyle style, bool mismatchAlwaysFails)
    {
        var report = Compare(source, target);
        bool fails = strict ? !report.IsClean : mismatchAlwaysFails && report.Mismatched.Count > 0;
        if (fails)
        {
            // a non-strict load reports only what makes it fail
            var shown = strict ? report : report with { Missing = [], Unexpected = [], MissingShapes = [] };
            string msg = "state dict does not match the model: " + (style == MessageStyle.Grouped ? shown.ToString() : shown.Itemized(3));
            throw sourcePath is null ? new UserInputException(msg) : new UserInputException(sourcePath, null, msg);
        }
        foreach (var (k, t) in target)
            if (source.TryGetValue(k, out var s) && ShapeUtil.SameShape(s.Shape, t.Shape)) t.CopyFrom(s);
        return report;
    }
}
