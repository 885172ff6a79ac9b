using EncDec.Tensors;
using EncDec.Data;
using EncDec.Models;
using EncDec.Tests.Models;
using EncDec.Text;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Training;

public class SequenceObjectiveTests
{
    /// <summary>Fraction of the reference's positions the hypothesis gets right, with a penalty for extra tokens.</summary>
    private static double TokenAccuracy(int[] hyp, int[] reference)
    {
        int right = 0;
        for (int i = 0; i < Math.Min(hyp.Length, reference.Length); i++) if (hyp[i] == reference[i]) right++;
        return (double)right / Math.Max(hyp.Length, reference.Length);
    }

    [Fact]
    public void Mrt_gradient_equals_finite_differences_of_the_expected_risk_over_an_enumerated_candidate_set()
    {
        int a = Vocabulary.SpecialCount, b = a + 1, vocab = a + 2;
        var config = ModelTestKit.Transformer(vocab, vocab, d: 8, heads: 2, ffn: 16, seed: 4);
        var model = ModelFactory.BuildSeq2Seq(config);
        model.Eval();   // no dropout: the risk is a deterministic function of the weights
        var sources = new List<int[]> { new[] { a, b }, new[] { b, b, a } };
        var refs = new List<int[]> { new[] { b, a }, new[] { a } };
        // every output of length 0 … 2 over {a, b}: the candidate set is enumerable
        var all = new List<int[]> { Array.Empty<int>() };
        foreach (int x in new[] { a, b }) { all.Add(new[] { x }); foreach (int y in new[] { a, b }) all.Add(new[] { x, y }); }
        var candidates = new List<IReadOnlyList<int[]>> { all, all.Take(5).ToList() };   // the second source with fewer: padding slots
        var mrt = new MrtObjective(model, TokenAccuracy, new SequenceObjectiveOptions { Alpha = 1.0 });

        var risk = mrt.ExpectedRisk(sources, refs, candidates, out _, out _);
        risk.Backward();
        double Risk()
        {
            using var noGrad = GradMode.NoGrad();
            return mrt.ExpectedRisk(sources, refs, candidates, out _, out _).Item();
        }
        int checkedEntries = 0;
        foreach (var (name, p) in model.NamedParameters().Where((_, i) => i % 3 == 0))
        {
            var data = p.Storage.Array;
            var grad = p.Grad!.ToArray();
            for (int e = 0; e < Math.Min(3, p.Numel); e++)
            {
                int o = p.Offset + e * (p.Numel / 3 > 0 ? p.Numel / 3 : 1);
                if (o >= p.Offset + p.Numel) continue;
                float keep = data[o];
                const float h = 1e-2f;
                data[o] = keep + h; double up = Risk();
                data[o] = keep - h; double down = Risk();
                data[o] = keep;
                double numeric = (up - down) / (2 * h), analytic = grad[o - p.Offset];
                Assert.True(Math.Abs(numeric - analytic) <= 2e-3 + 2e-2 * Math.Abs(numeric), $"{name}[{o - p.Offset}]: autograd {analytic:E3}, finite differences {numeric:E3}");
                checkedEntries++;
            }
        }
        Assert.True(checkedEntries > 20);
        Assert.True(model.NamedParameters().Any(p => p.Param.Grad!.ToArray().Any(g => Math.Abs(g) > 1e-4)), "the risk depends on the weights");
    }

    [Fact]
    public void Scst_raises_the_expected_reward_of_the_models_samples()
    {
        var (train, _) = ModelTestKit.SymbolTask(SyntheticTask.Reverse, 64, 4, seed: 11, minLen: 3, maxLen: 5);
        var config = ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 32, heads: 2, ffn: 64, seed: 2);
        var model = ModelFactory.BuildSeq2Seq(config);
        var batching = new BatcherOptions { BatchSize = 16, Shuffle = true };
        new Trainer(model, ModelTestKit.Options(100, 3e-3, warmup: 10), train, null, batching).Train();   // under-trained on purpose

        double GreedyReward()
        {
            model.Eval();
            var outs = EncDec.Generation.SequenceGenerator.Generate(model, train.Select(e => e.Src).ToList(),
                new EncDec.Generation.GenerationOptions { MaxLength = 12 });
            model.Train();
            return outs.Select((r, i) => TokenAccuracy(r.Hypotheses[0].Tokens, train[i].Tgt)).Average();
        }
        double SampleReward()
        {
            model.Eval();
            var outs = EncDec.Generation.SequenceGenerator.Generate(model, train.Select(e => e.Src).ToList(),
                new EncDec.Generation.GenerationOptions { MaxLength = 12, Strategy = EncDec.Generation.DecodingStrategy.Sample, NBest = 8, Seed = 99 });
            model.Train();
            return outs.Select((r, i) => r.Hypotheses.Average(h => TokenAccuracy(h.Tokens, train[i].Tgt))).Average();
        }
        double sBefore = SampleReward();
        const double LR = 3e-4;
        double before = GreedyReward();
        var objective = new ScstObjective(model, TokenAccuracy, new SequenceObjectiveOptions { Samples = 8, MaxLength = 12, Seed = 3 });
        var options = ModelTestKit.Options(40, LR, warmup: 1) with { Schedule = new EncDec.Optim.LrScheduleConfig(EncDec.Optim.LrScheduleKind.Constant, LR), Optimizer = new EncDec.Optim.OptimizerOptions(EncDec.Optim.OptimizerKind.Adam, LR, Beta2: 0.98) };
        var trainer = new Trainer(model, options, train, null, batching) { Objective = objective };
        var result = trainer.Train();
        double after = GreedyReward();
        double sAfter = SampleReward();
        Assert.Equal(40, result.Steps);
        Assert.NotNull(trainer.LastMeanReward);
        // What REINFORCE optimises, the expected reward of the model's samples, rises (measured 0.559 → 0.593). The greedy
        // output's reward is reported, not asserted: in this 40-step run it fell (0.896 → 0.859) while the samples improved.
        Assert.True(sAfter > sBefore + 0.02, $"SCST: mean sample token accuracy {sBefore:F3} → {sAfter:F3} (greedy {before:F3} → {after:F3})");
    }

    private static double ExactMatch(int[] hyp, int[] reference) => hyp.AsSpan().SequenceEqual(reference) ? 1 : 0;

    private static double GreedyExactMatch(Seq2SeqModule model, List<Example> data)
    {
        bool training = model.Training;
        model.Eval();
        var outs = EncDec.Generation.SequenceGenerator.Generate(model, data.Select(e => e.Src).ToList(), new EncDec.Generation.GenerationOptions { MaxLength = 12 });
        if (training) model.Train();
        return outs.Select((r, i) => ExactMatch(r.Hypotheses[0].Tokens, data[i].Tgt)).Average();
    }

    [Fact]
    public void Scst_with_the_exact_match_reward_raises_greedy_exact_match_on_held_out_data_and_dropout_in_the_loss_does_not()
    {
        var (train, test) = ModelTestKit.SymbolTask(SyntheticTask.Reverse, 256, 100, seed: 11, minLen: 3, maxLen: 5);
        var config = ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 32, heads: 2, ffn: 64, dropout: 0.1f, seed: 2);
        var model = ModelFactory.BuildSeq2Seq(config);
        var batching = new BatcherOptions { BatchSize = 32, Shuffle = true };
        new Trainer(model, ModelTestKit.Options(150, 3e-3, warmup: 10), train, null, batching).Train();   // under-trained on purpose
        var checkpoint = model.StateDict().ToDictionary(kv => kv.Key, kv => Tensor.FromArray(kv.Value.ToArray(), (int[])kv.Value.Shape.Clone()));
        double before = GreedyExactMatch(model, test);
        double Scst(bool dropoutInLoss)
        {
            model.LoadStateDict(checkpoint);
            const double LR = 3e-4;
            var objective = new ScstObjective(model, ExactMatch, new SequenceObjectiveOptions { Samples = 8, MaxLength = 12, Seed = 3, DropoutInLoss = dropoutInLoss });
            var options = ModelTestKit.Options(40, LR, warmup: 1) with { Schedule = new EncDec.Optim.LrScheduleConfig(EncDec.Optim.LrScheduleKind.Constant, LR), Optimizer = new EncDec.Optim.OptimizerOptions(EncDec.Optim.OptimizerKind.Adam, LR, Beta2: 0.98) };
            new Trainer(model, options, train, null, batching) { Objective = objective }.Train();
            return GreedyExactMatch(model, test);
        }
        double onPolicy = Scst(dropoutInLoss: false), withDropout = Scst(dropoutInLoss: true);
        // measured: 0.20 → 0.27 when the samples are scored without dropout (the policy that drew them), 0.20 → 0.15 with
        // dropout in the loss (the old behaviour)
        Assert.True(onPolicy >= before + 0.05, $"SCST: held-out greedy exact match {before:F3} → {onPolicy:F3}");
        Assert.True(withDropout < onPolicy - 0.05, $"dropout in the loss: {before:F3} → {withDropout:F3} (on-policy {onPolicy:F3})");
    }

    [Fact]
    public void Tempered_log_probabilities_are_the_log_softmax_of_the_logits_over_the_temperature()
    {
        var config = ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 16, heads: 2, ffn: 32, seed: 5);
        var model = ModelFactory.BuildSeq2Seq(config);
        model.Eval();
        int a = Vocabulary.SpecialCount;
        var sources = new List<int[]> { new[] { a, a + 1, a + 2 } };
        var outputs = new List<int[]> { new[] { a + 2, a } };
        var (plain, _, _) = SequenceLogProbs.Compute(model, sources, outputs);
        var (hot, _, _) = SequenceLogProbs.Compute(model, sources, outputs, temperature: 2f);
        var batch = Batch.Create(new List<Example> { new(sources[0], outputs[0]) }, new[] { 0 });
        var (logits, _) = model.Forward(new IndexTensor(batch.Src, 1, batch.S), batch.SrcLengths, new IndexTensor(batch.TgtIn, 1, batch.T)); // (1, T, V)
        var l = logits.ToArray();
        int v = l.Length / batch.T;
        double Manual(float tau)
        {
            double sum = 0;
            for (int t = 0; t < batch.T; t++)
            {
                var row = l.AsSpan(t * v, v).ToArray().Select(x => x / tau).ToArray();
                double max = row.Max(), lse = max + Math.Log(row.Sum(x => Math.Exp(x - max)));
                sum += row[batch.TgtOut[t]] - lse;
            }
            return sum;
        }
        Assert.Equal(Manual(1f), plain.Item(), 4);
        Assert.Equal(Manual(2f), hot.Item(), 4);
        Assert.True(Math.Abs(Manual(2f) - Manual(1f)) > 0.1);
    }
}
