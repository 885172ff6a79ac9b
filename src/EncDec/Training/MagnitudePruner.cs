using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>
/// Magnitude pruning with masks that only grow: <see cref="Apply"/> raises the pruned share of each group to the
/// sparsity asked for, choosing among the weights not yet pruned those of lowest magnitude (unstructured: one global
/// threshold over all Linear weights; heads and FFN neurons: lowest L2 norm within each attention / layer, at least one
/// kept), and zeroes every pruned weight again — call it after each optimizer step so pruned weights stay zero. The
/// masks start from the weights that are exactly zero, so a pruned checkpoint resumes with its masks.
/// </summary>
public sealed class MagnitudePruner
{
    /// <summary>One prunable unit set: the slices (tensor, offset, length, stride) making up each unit.</summary>
    private sealed class Group
    {
        public required int Units { get; init; }
        public required Func<int, IEnumerable<(Tensor T, int Offset, int Count, int Stride)>> Slices { get; init; }
        public bool[]? Pruned;
    }

    private readonly List<Group> _groups = new();
    private readonly PruningKind _kind;
    private readonly List<Tensor> _weights = new();     // unstructured: every prunable weight
    private bool[][]? _masks;                           // unstructured: pruned flags per weight tensor

    public MagnitudePruner(Module model, PruningKind kind)
    {
        _kind = kind;
        var embeddings = new HashSet<Tensor>(model.NamedModules().Select(m => m.Module).OfType<Embedding>().Select(e => e.Weight), ReferenceEqualityComparer.Instance);
        foreach (var (_, m) in model.NamedModules())
        {
            if (kind == PruningKind.Unstructured && m is Linear lin && !embeddings.Contains(lin.Weight)) _weights.Add(lin.Weight);
            if (kind == PruningKind.Heads && m is MultiheadAttention a) _groups.Add(HeadGroup(a));
            if (kind == PruningKind.Ffn && m is TransformerEncoderLayer e) _groups.Add(FfnGroup(e.Linear1, e.Linear2));
            if (kind == PruningKind.Ffn && m is TransformerDecoderLayer d) _groups.Add(FfnGroup(d.Linear1, d.Linear2));
        }
        if (_weights.Count == 0 && _groups.Count == 0)
            throw new UserInputException($"the model has nothing to prune by {kind.ToString().ToLowerInvariant()} (heads and ffn need a Transformer)");
    }

    /// <summary>Number of prunable units (weights, heads or neurons).</summary>
    public long Units => _kind == PruningKind.Unstructured ? _weights.Sum(w => (long)w.Numel) : _groups.Sum(g => (long)g.Units);

    /// <summary>The share of units pruned now.</summary>
    public double Sparsity
    {
        get
        {
            if (_kind == PruningKind.Unstructured) return (double)_weights.Sum(w => (long)w.Span.Count(0f)) / Units;
            return (double)_groups.Sum(g => Enumerable.Range(0, g.Units).Count(u => Norm(g, u) == 0)) / Units;
        }
    }

    // q/k/v rows h·Dh … (h+1)·Dh (and their biases), out_proj columns of the same range
    private static Group HeadGroup(MultiheadAttention a)
    {
        int e = a.EmbedDim, dh = a.HeadDim, inner = a.InnerDim;
        return new Group
        {
            Units = a.NumHeads,
            Slices = h =>
            {
                var s = new List<(Tensor, int, int, int)>();
                foreach (var p in new[] { a.QProj, a.KProj, a.VProj })
                {
                    s.Add((p.Weight, h * dh * e, dh * e, 1));               // rows of (H·Dh, E)
                    if (p.Bias is { } b) s.Add((b, h * dh, dh, 1));
                }
                for (int r = 0; r < e; r++) s.Add((a.OutProj.Weight, r * inner + h * dh, dh, 1));   // columns of (E, H·Dh), row by row
                return s;
            },
        };
    }

    // linear1 row j (+ bias j), linear2 column j
    private static Group FfnGroup(Linear l1, Linear l2)
    {
        int d = l1.InFeatures, f = l1.OutFeatures;
        return new Group
        {
            Units = f,
            Slices = j =>
            {
                var s = new List<(Tensor, int, int, int)> { (l1.Weight, j * d, d, 1), (l2.Weight, j, l2.OutFeatures, f) };   // (F, d) row, (d, F) column
                if (l1.Bias is { } b) s.Add((b, j, 1, 1));
                return s;
            },
        };
    }

    private static double Norm(Group g, int unit)
    {
        double sum = 0;
        foreach (var (t, off, n, stride) in g.Slices(unit))
        {
            var sp = t.Span;
            for (int i = 0; i < n; i++) { double v = sp[off + i * stride]; sum += v * v; }
        }
        return Math.Sqrt(sum);
    }

    private static void Zero(Group g, int unit)
    {
        foreach (var (t, off, n, stride) in g.Slices(unit))
        {
            var sp = t.Span;
            for (int i = 0; i < n; i++) sp[off + i * stride] = 0f;
        }
    }

    /// <summary>Prunes up to <paramref name="sparsity"/> (never un-prunes) and zeroes every pruned weight.</summary>
    public void Apply(double sparsity)
    {
        if (!(sparsity >= 0 && sparsity < 1)) throw new ArgumentOutOfRangeException(nameof(sparsity), "sparsity must be in [0, 1)");
        using var _ = GradMode.NoGrad();
        if (_kind == PruningKind.Unstructured) ApplyUnstructured(sparsity);
        else foreach (var g in _groups) ApplyGroup(g, sparsity);
    }

    private void ApplyUnstructured(double sparsity)
    {
        _masks ??= _weights.Select(w => w.Span.ToArray().Select(v => v == 0f).ToArray()).ToArray();
        long total = Units, target = (long)Math.Floor(sparsity * total), have = _masks.Sum(m => (long)m.Count(x => x));
        if (target > have)
        {
            // the (target − have) smallest magnitudes among the weights still alive
            var alive = new List<(float Mag, int W, int I)>();
            for (int w = 0; w < _weights.Count; w++)
            {
                var sp = _weights[w].Span;
                for (int i = 0; i < sp.Length; i++) if (!_masks[w][i]) alive.Add((MathF.Abs(sp[i]), w, i));
            }
            alive.Sort((a, b) => a.Mag != b.Mag ? a.Mag.CompareTo(b.Mag) : a.W != b.W ? a.W.CompareTo(b.W) : a.I.CompareTo(b.I));
            for (int k = 0; k < target - have; k++) _masks[alive[k].W][alive[k].I] = true;
        }
        for (int w = 0; w < _weights.Count; w++)
        {
            var sp = _weights[w].Span;
            var m = _masks[w];
            for (int i = 0; i < sp.Length; i++) if (m[i]) sp[i] = 0f;
        }
    }

    private static void ApplyGroup(Group g, double sparsity)
    {
        g.Pruned ??= Enumerable.Range(0, g.Units).Select(u => Norm(g, u) == 0).ToArray();
        int target = Math.Min((int)Math.Floor(sparsity * g.Units), g.Units - 1), have = g.Pruned.Count(x => x);
        if (target > have)
        {
            var alive = Enumerable.Range(0, g.Units).Where(u => !g.Pruned[u]).OrderBy(u => Norm(g, u)).ThenBy(u => u).Take(target - have).ToList();
            foreach (var u in alive) g.Pruned[u] = true;
        }
        for (int u = 0; u < g.Units; u++) if (g.Pruned[u]) Zero(g, u);
    }
}
