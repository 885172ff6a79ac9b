using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Tests.Models;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Training;

public class PruningTests
{
    private static EncoderDecoder Model() => (EncoderDecoder)ModelFactory.Build(ModelTestKit.Transformer(12, 12, d: 16, heads: 4, ffn: 24, layers: 1));

    [Fact]
    public void Cubic_schedule_follows_zhu_and_gupta()
    {
        var s = new CubicSparsitySchedule(0.5, 100, Initial: 0.1, Start: 20);
        Assert.Equal(0.1, s.At(0));
        Assert.Equal(0.1, s.At(20));
        Assert.Equal(0.5 + (0.1 - 0.5) * 0.125, s.At(70), 12);      // half way: (1 − 1/2)³ of the gap left
        Assert.Equal(0.5 + (0.1 - 0.5) * 0.9 * 0.9 * 0.9, s.At(30), 12);
        Assert.Equal(0.5, s.At(120));
        Assert.Equal(0.5, s.At(1000));
        for (long t = 1; t < 130; t++) Assert.True(s.At(t) >= s.At(t - 1));
    }

    [Fact]
    public void Global_unstructured_masks_reach_the_sparsity_and_stay_zero_after_updates()
    {
        var model = Model();
        var pruner = new MagnitudePruner(model, PruningKind.Unstructured);
        var linears = model.NamedModules().Select(m => m.Module).OfType<Linear>().Select(l => l.Weight).ToList();
        long units = linears.Sum(w => (long)w.Numel);
        Assert.Equal(units, pruner.Units);
        pruner.Apply(0.3);
        Assert.Equal(Math.Floor(0.3 * units) / units, pruner.Sparsity, 9);
        var zeros = linears.Select(w => w.ToArray().Select(v => v == 0f).ToArray()).ToList();
        // the smallest surviving magnitude is at least the largest pruned original magnitude: one global threshold
        var optimizer = EncDec.Optim.Optimizer.Create(new EncDec.Optim.OptimizerOptions(EncDec.Optim.OptimizerKind.Adam, 0.01), model.NamedParameters());
        var rng = new Rng(3);
        for (int step = 0; step < 3; step++)
        {
            foreach (var p in model.Parameters()) p.Grad = Tensor.Randn(rng, p.Shape);
            optimizer.Step();
            Assert.Contains(linears, w => w.ToArray().Where((v, i) => v != 0).Any());
            pruner.Apply(0.3 + 0.1 * step);
            for (int w = 0; w < linears.Count; w++)
            {
                var v = linears[w].ToArray();
                for (int i = 0; i < v.Length; i++) if (zeros[w][i]) Assert.Equal(0f, v[i]);   // once pruned, always zero
            }
            Assert.Equal(Math.Floor((0.3 + 0.1 * step) * units) / units, pruner.Sparsity, 9);
        }
        pruner.Apply(0.1);   // never un-prunes
        Assert.Equal(Math.Floor(0.5 * units) / units, pruner.Sparsity, 9);
        // a fresh pruner on the pruned weights finds its masks again (resume)
        Assert.Equal(pruner.Sparsity, new MagnitudePruner(model, PruningKind.Unstructured).Sparsity, 9);
    }

    [Fact]
    public void Unstructured_pruning_removes_the_smallest_magnitudes_globally()
    {
        var model = Model();
        var linears = model.NamedModules().Select(m => m.Module).OfType<Linear>().Select(l => l.Weight).ToList();
        var before = linears.SelectMany(w => w.ToArray()).Select(MathF.Abs).ToArray();
        new MagnitudePruner(model, PruningKind.Unstructured).Apply(0.5);
        var after = linears.SelectMany(w => w.ToArray()).ToArray();
        float maxPruned = before.Where((_, i) => after[i] == 0f).Max(), minKept = before.Where((_, i) => after[i] != 0f).Min();
        Assert.True(maxPruned <= minKept);
    }

    [Fact]
    public void Head_pruning_zeroes_whole_lowest_norm_heads_and_keeps_one()
    {
        var model = Model();
        var attn = model.NamedModules().Select(m => m.Module).OfType<MultiheadAttention>().ToList();
        Assert.Equal(3, attn.Count);
        var pruner = new MagnitudePruner(model, PruningKind.Heads);
        Assert.Equal(12, pruner.Units);
        pruner.Apply(0.5);
        Assert.Equal(0.5, pruner.Sparsity, 9);
        foreach (var a in attn)
        {
            var q = a.QProj.Weight.ToArray(); var o = a.OutProj.Weight.ToArray();
            int e = a.EmbedDim, dh = a.HeadDim;
            int pruned = 0;
            for (int h = 0; h < a.NumHeads; h++)
            {
                bool zero = q.Skip(h * dh * e).Take(dh * e).All(v => v == 0f);
                if (zero)
                {
                    pruned++;
                    for (int r = 0; r < e; r++) for (int c = h * dh; c < (h + 1) * dh; c++) Assert.Equal(0f, o[r * e + c]);
                    Assert.All(a.VProj.Bias!.ToArray().Skip(h * dh).Take(dh), v => Assert.Equal(0f, v));
                }
            }
            Assert.Equal(2, pruned);
        }
        pruner.Apply(0.99);   // at least one head stays in every attention
        Assert.Equal(9.0 / 12, pruner.Sparsity, 9);
    }

    [Fact]
    public void Ffn_pruned_neurons_give_the_same_output_as_a_physically_smaller_layer()
    {
        var model = Model();
        var layer = model.NamedModules().Select(m => m.Module).OfType<TransformerEncoderLayer>().Single();
        var pruner = new MagnitudePruner(model, PruningKind.Ffn);
        pruner.Apply(0.5);
        int f = layer.Linear1.OutFeatures, d = layer.Linear1.InFeatures;
        var w1 = layer.Linear1.Weight.ToArray(); var b1 = layer.Linear1.Bias!.ToArray(); var w2 = layer.Linear2.Weight.ToArray();
        var kept = Enumerable.Range(0, f).Where(j => w1.Skip(j * d).Take(d).Any(v => v != 0f)).ToList();
        Assert.Equal(f / 2, kept.Count);
        // the same layer with only the kept neurons: linear1 rows and linear2 columns
        var small = new PositionwiseFeedForward(d, kept.Count, layer.Options.Activation);
        var s1 = small.Linear1.Weight.Span; var sb = small.Linear1.Bias!.Span; var s2 = small.Linear2.Weight.Span;
        for (int k = 0; k < kept.Count; k++)
        {
            for (int c = 0; c < d; c++) s1[k * d + c] = w1[kept[k] * d + c];
            sb[k] = b1[kept[k]];
            for (int r = 0; r < d; r++) s2[r * kept.Count + k] = w2[r * f + kept[k]];
        }
        layer.Linear2.Bias!.CopyTo(small.Linear2.Bias!.Span);
        var x = Tensor.Randn(new Rng(5), 2, 3, d);
        using var _ = GradMode.NoGrad();
        var big = new PositionwiseFeedForward(layer.Linear1, new Dropout(0f), layer.Linear2, layer.Options.Activation).Forward(x).ToArray();
        var shrunk = small.Forward(x).ToArray();
        for (int i = 0; i < big.Length; i++) Assert.Equal(big[i], shrunk[i], 1e-5f);
        Assert.True(small.Linear1.Weight.Numel + small.Linear2.Weight.Numel < layer.Linear1.Weight.Numel + layer.Linear2.Weight.Numel);
    }
}
