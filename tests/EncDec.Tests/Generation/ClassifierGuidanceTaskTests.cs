using EncDec.Data;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Tests.Models;
using EncDec.Tensors;
using EncDec.Text;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Generation;

/// <summary>
/// The reduced guidance bench (<c>bench accuracy --task guidance</c>) with a trained model: the source is 3–4 symbols of
/// five, the target copies them written in set A (75% of the training targets) or set B (25%), both correct. A Transformer
/// learns the task; a guide classifier (prefixes too) steers greedy decoding towards B, and a held-out judge classifier
/// (another seed, width and training data, whole outputs) decides the attribute.
/// </summary>
public sealed class ClassifierGuidanceTaskTests
{
    private const int First = Vocabulary.SpecialCount, Symbols = 5, Vocab = First + 2 * Symbols, SetB = 1;

    private static int[] Source(Rng rng) => Enumerable.Range(0, 3 + rng.NextInt(2)).Select(_ => First + rng.NextInt(Symbols)).ToArray();
    private static int[] Render(int[] source, int set) => source.Select(t => t + set * Symbols).ToArray();

    private static SequenceClassifier Classifier(int width, ulong seed, int dataSeed, double prefixFraction)
    {
        var config = new ModelConfig
        {
            Family = ModelFamily.EncoderOnly, SrcVocabSize = Vocab, DModel = width, Heads = 2, FeedForward = 2 * width, EncoderLayers = 1,
            Dropout = 0f, MaxPositions = 16, NumClasses = 2, ClassLabels = ["a", "b"], Seed = seed,
        };
        var classifier = SequenceClassifier.Build(config);
        var rng = new Rng((ulong)dataSeed);
        var data = Enumerable.Range(0, 400).Select(i => new LabelledSequence(Render(Source(rng), i % 2), i % 2)).ToList();
        var options = new TrainerOptions
        {
            MaxSteps = 120, Seed = seed, ClipNorm = 1,
            Optimizer = new EncDec.Optim.OptimizerOptions(EncDec.Optim.OptimizerKind.Adam, 3e-3),
            Schedule = new EncDec.Optim.LrScheduleConfig(EncDec.Optim.LrScheduleKind.Constant, 3e-3),
        };
        new ClassifierTrainer(classifier, options, new ClassifierTrainOptions(BatchSize: 32, PrefixFraction: prefixFraction)).Train(data);
        return classifier;
    }

    [Fact]
    public void Guided_greedy_outputs_carry_the_minority_rendering_judged_by_a_held_out_classifier_and_stay_correct()
    {
        var rng = new Rng(5);
        var train = Enumerable.Range(0, 400).Select(_ =>
        {
            var s = Source(rng);
            return new Example(s, Render(s, rng.NextDouble() < 0.25 ? SetB : 0));
        }).ToList();
        var test = Enumerable.Range(0, 60).Select(_ => Source(rng)).ToList();
        var model = ModelFactory.BuildSeq2Seq(ModelTestKit.Transformer(Vocab, Vocab, d: 32, heads: 2, ffn: 64, seed: 3));
        new Trainer(model, ModelTestKit.Options(200, 3e-3, warmup: 10), train, null, new BatcherOptions { BatchSize = 32, Shuffle = true }).Train();
        model.Eval();
        var guide = Classifier(32, seed: 3, dataSeed: 21, prefixFraction: 0.6);
        var judge = Classifier(24, seed: 17, dataSeed: 99, prefixFraction: 0);

        (double BRate, double Correct) Decode(GenerationOptions options)
        {
            var outs = SequenceGenerator.Generate(model, test, options with { MaxLength = 8 }).Select(r => r.Hypotheses[0].Tokens).ToList();
            var judged = judge.Predict(outs.Select(o => o.Length == 0 ? new[] { Vocabulary.UnkId } : o).ToList());
            int correct = test.Where((s, i) => outs[i].SequenceEqual(Render(s, 0)) || outs[i].SequenceEqual(Render(s, SetB))).Count();
            return (judged.Count(j => j == SetB) / (double)test.Count, correct / (double)test.Count);
        }
        var unguided = Decode(new GenerationOptions());
        var guided = Decode(new GenerationOptions { LogitsProcessors = [new ClassifierGuidanceLogitsProcessor(guide, SetB, 4f, 4, Vocabulary.EosId)] });
        Assert.True(unguided.BRate <= 0.1, $"unguided B rate {unguided.BRate:F3}");
        Assert.True(guided.BRate >= 0.9, $"guided B rate {guided.BRate:F3} (unguided {unguided.BRate:F3})");
        // measured: correct in either rendering 0.933 unguided, 0.750 guided (the base model has seen few B targets)
        Assert.True(unguided.Correct >= 0.85 && guided.Correct >= 0.65, $"correct: unguided {unguided.Correct:F3}, guided {guided.Correct:F3} (B rate {unguided.BRate:F3} → {guided.BRate:F3})");
    }
}
