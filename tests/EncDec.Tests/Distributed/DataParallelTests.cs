using EncDec.Data;
using EncDec.Distributed;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Tests.Models;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Distributed;

public class DataParallelTests
{
    private static (List<Example> Train, ModelConfig Config) Task()
    {
        var (train, _) = ModelTestKit.SymbolTask(SyntheticTask.Reverse, 96, 4, seed: 3);
        return (train, ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 32, heads: 2, ffn: 64));
    }

    private static (Trainer Trainer, Module Model) MakeTrainer(ModelConfig config, List<Example> train, int accumulation, IDataParallel? group, long steps)
    {
        var options = ModelTestKit.Options(steps, 3e-3, warmup: 4) with { GradAccumulation = accumulation };
        var model = ModelFactory.Build(config);
        var trainer = new Trainer(model, options, train, null, new BatcherOptions { BatchSize = 8, Shuffle = true })
        { DataParallel = group, GradientBucketBytes = 16 << 10 };
        return (trainer, model);
    }

    [Fact]
    public void Two_ranks_equal_one_process_accumulating_both_batches()
    {
        var (train, config) = Task();
        const long steps = 12;
        var (single, singleModel) = MakeTrainer(config, train, accumulation: 2, group: null, steps);
        var r1 = single.Train();

        var group = new InProcessGroup(2);
        var trainers = new Trainer[2]; var models = new Module[2];
        for (int r = 0; r < 2; r++) (trainers[r], models[r]) = MakeTrainer(config, train, 1, group.Members[r], steps);
        var results = new TrainResult[2];
        var threads = Enumerable.Range(0, 2).Select(r => new Thread(() => results[r] = trainers[r].Train())).ToList();
        threads.ForEach(t => t.Start()); threads.ForEach(t => t.Join());

        Assert.Equal(steps, results[0].Steps);
        Assert.True(trainers[0].GradientBucketCount > 1, "the tiny model still spans several 16 KiB buckets");
        Assert.True(trainers[0].LastBucketsOverlapped > 0, "some buckets started while backward was running");
        for (int r = 0; r < 2; r++)
        {
            Assert.Equal(r1.Losses.Count, results[r].Losses.Count);
            for (int i = 0; i < r1.Losses.Count; i++) Assert.Equal(r1.Losses[i], results[r].Losses[i], 1e-5 * Math.Abs(r1.Losses[i]));
        }
        // Weights, each tensor within 1e-5 relative (measured: ≤ 6e-8 after 12 steps). Not the key projections' biases:
        // their true gradient is zero (softmax ignores a shift of every score of a query), so Adam moves them by its
        // normalised rounding noise in both runs, and the two noises differ.
        var expect = singleModel.NamedParameters().ToDictionary(p => p.Name, p => p.Param.ToArray());
        foreach (var m in models)
        {
            double diff = 0, norm = 0, worst = 0; string worstName = "";
            foreach (var (name, p) in m.NamedParameters())
            {
                if (name.EndsWith("k_proj.bias", StringComparison.Ordinal)) continue;
                var got = p.ToArray(); var want = expect[name];
                var (d, n) = SquaredDifference(got, want);
                diff += d; norm += n;
                if (Math.Sqrt(d / Math.Max(n, 1e-12)) > worst) { worst = Math.Sqrt(d / Math.Max(n, 1e-12)); worstName = name; }
            }
            Assert.True(Math.Sqrt(diff / norm) <= 1e-5, $"whole model: relative difference {Math.Sqrt(diff / norm):E2}");
            Assert.True(worst <= 1e-5, $"{worstName}: relative difference {worst:E2}");
        }
        Assert.True(r1.Losses[^1] < r1.Losses[0], "it trained");
    }

    /// <summary>Σ (got − want)² and Σ want², in double precision (their ratio's root is the relative difference).</summary>
    internal static (double Difference, double Norm) SquaredDifference(float[] got, float[] want)
    {
        double d = 0, n = 0;
        for (int i = 0; i < got.Length; i++) { d += Math.Pow(got[i] - want[i], 2); n += (double)want[i] * want[i]; }
        return (d, n);
    }

    [Fact]
    public void A_rank_that_never_joins_makes_the_others_fail_with_a_clear_error_not_hang()
    {
        var (train, config) = Task();
        var group = new InProcessGroup(2, timeout: TimeSpan.FromSeconds(1));
        var (trainer, _) = MakeTrainer(config, train, 1, group.Members[0], steps: 5);   // rank 1 never starts
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<CollectiveTimeoutException>(() => trainer.Train());
        Assert.Contains("did not complete within 1 s", e.Message);
        Assert.True(clock.Elapsed.TotalSeconds < 30);
    }

    [Fact]
    public void Backward_reports_each_leaf_once_after_its_last_contribution()
    {
        var rng = new Rng(5);
        var w = Tensor.Randn(rng, 4, 3).RequiresGrad_();
        var b = Tensor.Randn(rng, 3).RequiresGrad_();
        var x = Tensor.Randn(rng, 2, 4);
        // w is used twice: its gradient is final only after both uses
        var y = x.MatMul(w).Add(b).Tanh().Add(x.MatMul(w)).Sum();
        var seen = new List<(Tensor Leaf, float[] Grad)>();
        y.Backward(null, leaf => seen.Add((leaf, leaf.Grad!.ToArray())));
        Assert.Equal(2, seen.Count);
        foreach (var (leaf, grad) in seen) Assert.Equal(leaf.Grad!.ToArray(), grad);
        Assert.Contains(seen, s => ReferenceEquals(s.Leaf, w));
        Assert.Contains(seen, s => ReferenceEquals(s.Leaf, b));
    }
}
