using EncDec.Generation;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Text;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Generation;

/// <summary>
/// FUDGE-style guidance on a task with a controllable attribute: a base model emits 4 tokens, each from set A (ids 5–9)
/// or set B (ids 10–14), B slightly favoured; the attribute is "more A than B tokens". A classifier trained with EncDec
/// (encoder + head, on prefixes too) guides decoding; the outputs are judged by the rule itself.
/// </summary>
public sealed class ClassifierGuidanceTests
{
    private const int First = Vocabulary.SpecialCount, SetSize = 5, Vocab = First + 2 * SetSize, Length = 4;

    private static bool IsA(int t) => t >= First && t < First + SetSize;
    private static bool MajorityA(IReadOnlyList<int> tokens) => tokens.Count(IsA) * 2 > tokens.Count;

    /// <summary>Logits by (previous, position, next): 4 content tokens (B +0.4), then EOS.</summary>
    private static TableModel BaseModel()
    {
        var table = new float[Vocab, Length + 1, Vocab];
        for (int prev = 0; prev < Vocab; prev++)
            for (int p = 0; p <= Length; p++)
                for (int t = 0; t < Vocab; t++)
                    table[prev, p, t] = p < Length
                        ? (t < First ? -30f : IsA(t) ? 0f : 0.4f)
                        : (t == Vocabulary.EosId ? 10f : -10f);
        return new TableModel(table);
    }

    private static readonly Lazy<SequenceClassifier> Trained = new(() =>
    {
        var config = new ModelConfig
        {
            Family = ModelFamily.EncoderOnly, SrcVocabSize = Vocab, DModel = 32, Heads = 2, FeedForward = 64, EncoderLayers = 1,
            Dropout = 0f, MaxPositions = 16, NumClasses = 2, ClassLabels = ["a", "b"], Seed = 3,
        };
        var classifier = SequenceClassifier.Build(config);
        var rng = new Rng(11);
        var data = Enumerable.Range(0, 600).Select(_ =>
        {
            var t = Enumerable.Range(0, Length).Select(_ => First + rng.NextInt(2 * SetSize)).ToArray();
            return new LabelledSequence(t, MajorityA(t) ? 0 : 1);
        }).ToList();
        var options = new TrainerOptions
        {
            MaxSteps = 300, Seed = 5, ClipNorm = 1,
            Optimizer = new EncDec.Optim.OptimizerOptions(EncDec.Optim.OptimizerKind.Adam, 3e-3),
            Schedule = new EncDec.Optim.LrScheduleConfig(EncDec.Optim.LrScheduleKind.Constant, 3e-3),
        };
        var result = new ClassifierTrainer(classifier, options, new ClassifierTrainOptions(BatchSize: 32, PrefixFraction: 0.5)).Train(data[..500], data[500..]);
        Assert.True(result.ValidAccuracy >= 0.9, $"classifier valid accuracy {result.ValidAccuracy}");
        return classifier;
    });

    private static double FractionA(GenerationOptions options, int sources = 60)
    {
        var srcs = Enumerable.Range(0, sources).Select(i => new[] { First + i % (2 * SetSize) }).ToList();
        var results = SequenceGenerator.Generate(BaseModel(), srcs, options with { MaxLength = Length + 2 });
        var hyps = results.SelectMany(r => r.Hypotheses.Take(1)).ToList();
        Assert.All(hyps, h => Assert.Equal(Length, h.Tokens.Length));
        return hyps.Count(h => MajorityA(h.Tokens)) / (double)hyps.Count;
    }

    private static ClassifierGuidanceLogitsProcessor Guide(int label, float weight, int topK = 2 * SetSize)
        => new(Trained.Value, label, weight, topK, Vocabulary.EosId);

    [Fact]
    public void Guidance_towards_a_raises_the_fraction_of_a_outputs_when_sampling()
    {
        var sample = new GenerationOptions { Strategy = DecodingStrategy.Sample, Seed = 7 };
        double unguided = FractionA(sample);
        double guided = FractionA(sample with { LogitsProcessors = [Guide(0, 3f)] });
        double away = FractionA(sample with { LogitsProcessors = [Guide(1, 3f)] });
        Assert.InRange(unguided, 0.1, 0.45);        // base rate: B tokens are favoured
        Assert.True(guided >= 0.9, $"guided {guided:F3} vs unguided {unguided:F3}");
        Assert.True(away <= 0.05, $"guided to b: {away:F3}");
    }

    [Fact]
    public void Greedy_and_beam_follow_the_guide_and_weight_zero_keeps_the_base_choice()
    {
        var greedy = new GenerationOptions();
        Assert.Equal(0.0, FractionA(greedy, 10));                                            // argmax is always a B token
        Assert.Equal(0.0, FractionA(greedy with { LogitsProcessors = [Guide(0, 0f)] }, 10));   // λ = 0: only the top-k cut
        Assert.Equal(1.0, FractionA(greedy with { LogitsProcessors = [Guide(0, 3f)] }, 10));
        var beam = new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = 3 };
        Assert.Equal(1.0, FractionA(beam with { LogitsProcessors = [Guide(0, 3f)] }, 10));
    }

    [Fact]
    public void Only_the_top_k_candidates_survive_and_their_scores_move_by_the_weighted_log_probability()
    {
        var logits = Enumerable.Range(0, Vocab).Select(t => t < First ? -30f : IsA(t) ? 0f : 0.4f + 0.01f * t).ToArray();
        var before = (float[])logits.Clone();
        Guide(0, 2f, topK: 3).Process(0, new[] { First, First + 1 }, logits);
        var kept = Enumerable.Range(0, Vocab).Where(t => !float.IsNegativeInfinity(logits[t])).ToArray();
        Assert.Equal(new[] { 12, 13, 14 }, kept);                                              // the three largest B logits
        var lp = Trained.Value.LogProbs(kept.Select(c => new[] { First, First + 1, c }).ToList());
        for (int i = 0; i < kept.Length; i++) Assert.Equal(before[kept[i]] + 2f * lp[i * 2], logits[kept[i]], 4);
        Assert.Equal(new[] { 3, 1 }, ClassifierGuidanceLogitsProcessor.TopIndices([0f, 5f, float.NegativeInfinity, 7f], 2));
    }
}
