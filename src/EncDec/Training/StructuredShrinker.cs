using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>
/// Turns a structurally pruned Transformer (whole heads and FFN neurons zeroed by <see cref="MagnitudePruner"/>) into a
/// smaller one: the zero heads' rows of q/k/v_proj (and biases) and columns of out_proj are removed, as are the zero
/// neurons' rows of linear1 (and bias) and columns of linear2. A zero head contributes nothing (its values are zero and
/// its out_proj columns too) and a zero neuron neither (act(0) = 0 meets a zero column), so the small model computes
/// the same function. The new config records the kept widths per layer (<see cref="ModelConfig.Pruned"/>).
/// </summary>
public static class StructuredShrinker
{
    /// <summary>The smaller model and its config; every other weight is copied unchanged.</summary>
    public static (EncoderDecoder Model, ModelConfig Config) Shrink(EncoderDecoder model, ModelConfig config)
    {
        if (config.Family != ModelFamily.Transformer) throw new ArgumentException($"only a Transformer can be shrunk, not {config.Family}", nameof(config));
        var enc = model.NamedModules().Select(m => m.Module).OfType<TransformerEncoderLayer>().ToList();
        var dec = model.NamedModules().Select(m => m.Module).OfType<TransformerDecoderLayer>().ToList();
        var encHeads = enc.Select(l => AliveHeads(l.SelfAttn)).ToList();
        var encFfn = enc.Select(l => AliveNeurons(l.Linear1, l.Linear2)).ToList();
        var decSelf = dec.Select(l => AliveHeads(l.SelfAttn)).ToList();
        var decCross = dec.Select(l => AliveHeads(l.MultiheadAttn)).ToList();
        var decFfn = dec.Select(l => AliveNeurons(l.Linear1, l.Linear2)).ToList();
        var widths = new PrunedWidths
        {
            EncoderHeads = encHeads.Select(h => h.Length).ToArray(), EncoderFeedForward = encFfn.Select(f => f.Length).ToArray(),
            DecoderSelfHeads = decSelf.Select(h => h.Length).ToArray(), DecoderCrossHeads = decCross.Select(h => h.Length).ToArray(),
            DecoderFeedForward = decFfn.Select(f => f.Length).ToArray(),
        };
        var small = config with { Pruned = widths };

        var state = model.StateDict();
        var nameOf = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (n, t) in state) nameOf.TryAdd(t, n);
        var next = new Dictionary<string, Tensor>(state, StringComparer.Ordinal);
        void Put(Tensor old, Tensor shrunk) => next[nameOf[old]] = shrunk;
        void Heads(MultiheadAttention a, int[] keep)
        {
            var rows = keep.SelectMany(h => Enumerable.Range(h * a.HeadDim, a.HeadDim)).ToArray();
            foreach (var p in new[] { a.QProj, a.KProj, a.VProj })
            {
                Put(p.Weight, Rows(p.Weight, rows));
                if (p.Bias is { } b) Put(b, Rows(b, rows));
            }
            Put(a.OutProj.Weight, Columns(a.OutProj.Weight, rows));
        }
        void Ffn(Linear l1, Linear l2, int[] keep)
        {
            Put(l1.Weight, Rows(l1.Weight, keep));
            if (l1.Bias is { } b) Put(b, Rows(b, keep));
            Put(l2.Weight, Columns(l2.Weight, keep));
        }
        for (int i = 0; i < enc.Count; i++) { Heads(enc[i].SelfAttn, encHeads[i]); Ffn(enc[i].Linear1, enc[i].Linear2, encFfn[i]); }
        for (int i = 0; i < dec.Count; i++)
        {
            Heads(dec[i].SelfAttn, decSelf[i]); Heads(dec[i].MultiheadAttn, decCross[i]); Ffn(dec[i].Linear1, dec[i].Linear2, decFfn[i]);
        }
        var built = ModelFactory.BuildSeq2Seq(small);
        built.LoadStateDict(next);
        if (!model.Training) built.Eval();
        return (built, small);
    }

    /// <summary>The heads with any nonzero weight or bias (at least head 0).</summary>
    internal static int[] AliveHeads(MultiheadAttention a)
    {
        int dh = a.HeadDim, inner = a.InnerDim;
        var alive = Enumerable.Range(0, a.NumHeads).Where(h =>
        {
            foreach (var p in new[] { a.QProj, a.KProj, a.VProj })
            {
                if (AnyNonZero(p.Weight.ContiguousRaw().Span.Slice(h * dh * a.EmbedDim, dh * a.EmbedDim))) return true;
                if (p.Bias is { } b && AnyNonZero(b.ContiguousRaw().Span.Slice(h * dh, dh))) return true;
            }
            var o = a.OutProj.Weight.ContiguousRaw().Span;                     // (E, H·Dh)
            for (int r = 0; r < a.EmbedDim; r++) if (AnyNonZero(o.Slice(r * inner + h * dh, dh))) return true;
            return false;
        }).ToArray();
        return alive.Length > 0 ? alive : [0];
    }

    /// <summary>The FFN neurons with any nonzero linear1 row / bias or linear2 column (at least neuron 0).</summary>
    internal static int[] AliveNeurons(Linear l1, Linear l2)
    {
        int d = l1.InFeatures, f = l1.OutFeatures;
        var w1 = l1.Weight.ContiguousRaw().Span; var w2 = l2.Weight.ContiguousRaw().Span;   // (F, d), (d, F)
        var b1 = l1.Bias is { } b ? b.ContiguousRaw().Span : default;
        var alive = new List<int>();
        for (int j = 0; j < f; j++)
        {
            bool any = AnyNonZero(w1.Slice(j * d, d)) || (!b1.IsEmpty && b1[j] != 0f);
            for (int r = 0; r < l2.OutFeatures && !any; r++) any = w2[r * f + j] != 0f;
            if (any) alive.Add(j);
        }
        return alive.Count > 0 ? alive.ToArray() : [0];
    }

    private static bool AnyNonZero(ReadOnlySpan<float> x)
    {
        foreach (var v in x) if (v != 0f) return true;
        return false;
    }

    /// <summary>The rows <paramref name="rows"/> of a (R, C) matrix, or entries of a vector: (k, C) / (k).</summary>
    private static Tensor Rows(Tensor t, int[] rows)
    {
        int cols = t.Rank == 2 ? t.Shape[1] : 1;
        var src = t.ContiguousRaw().Span;
        var r = t.Rank == 2 ? Tensor.Empty(rows.Length, cols) : Tensor.Empty(rows.Length);
        var dst = r.Span;
        for (int i = 0; i < rows.Length; i++) src.Slice(rows[i] * cols, cols).CopyTo(dst.Slice(i * cols, cols));
        return r;
    }

    /// <summary>The columns <paramref name="cols"/> of a (R, C) matrix: (R, k).</summary>
    private static Tensor Columns(Tensor t, int[] cols)
    {
        int rowsN = t.Shape[0], c = t.Shape[1];
        var src = t.ContiguousRaw().Span;
        var r = Tensor.Empty(rowsN, cols.Length);
        var dst = r.Span;
        for (int i = 0; i < rowsN; i++)
            for (int j = 0; j < cols.Length; j++) dst[i * cols.Length + j] = src[i * c + cols[j]];
        return r;
    }
}
