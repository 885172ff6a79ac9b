using EncDec.Data;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Training;
using Xunit;
using Xunit.Abstractions;

namespace EncDec.Tests.Models;

/// <summary>
/// The two language-model families: the decoder-only LM's incremental path agrees with its teacher-forced pass and it
/// learns a control-code-conditioned task; an MLM-pretrained encoder transferred into an encoder-decoder speeds up
/// learning compared with random initialisation.
/// </summary>
[Collection(LearningCollection.Name)]
public sealed class LanguageModelTests(ITestOutputHelper output)
{
    private static ModelConfig Lm(int vocab, float dropout = 0f) => new()
    {
        Family = ModelFamily.DecoderOnly, TgtVocabSize = vocab, DModel = 32, Heads = 2, FeedForward = 64, DecoderLayers = 2,
        Dropout = dropout, Seed = 4,
    };

    [Fact]
    public void DecoderOnlyLm_StepwiseLogitsEqualTeacherForced()
    {
        var (_, test) = ModelTestKit.SymbolTask(SyntheticTask.Reverse, 1, 6, seed: 13);   // prefixes of different lengths
        var model = (DecoderOnlyLm)ModelFactory.Build(Lm(ModelTestKit.SymbolVocab, dropout: 0.1f));
        var b = Batch.Create(test, Enumerable.Range(0, test.Count).ToArray());
        Assert.True(b.SrcLengths.Distinct().Count() > 1);
        double diff = ModelVariantTests.IncrementalVsTeacherForced(model, b);
        output.WriteLine($"max |step − teacher-forced| = {diff:E2}");
        Assert.True(diff < 1e-5, $"max abs diff {diff}");
    }

    /// <summary>
    /// CTRL-style conditioning: the prefix is [control code; symbol x] and the continuation is five symbols that count up
    /// from x (code UP), down from x (code DOWN) or repeat x (code SAME), modulo the alphabet. After training, greedy
    /// decoding reproduces the continuation of every (code, x) prompt, so the same x gives three different outputs.
    /// </summary>
    [Fact]
    public void DecoderOnlyLm_LearnsControlCodeConditionedTask()
    {
        int n = ModelTestKit.Alphabet.Length, first = 5;
        int up = ModelTestKit.SymbolVocab, down = up + 1, same = up + 2, vocab = up + 3;
        int[] Continuation(int code, int x) => Enumerable.Range(0, 5)
            .Select(i => first + ((x + (code == up ? i : code == down ? -i : 0)) % n + n) % n).ToArray();
        var prompts = new[] { up, down, same }.SelectMany(c => Enumerable.Range(0, n).Select(x => new Example(new[] { c, first + x }, Continuation(c, x)))).ToList();
        var train = Enumerable.Repeat(prompts, 20).SelectMany(p => p).ToList();
        var model = ModelFactory.Build(Lm(vocab));
        var result = new Trainer(model, ModelTestKit.Options(200, lr: 3e-3, warmup: 20), train, null, new BatcherOptions { BatchSize = 32 }).Train();
        output.WriteLine($"final loss {result.Losses[^1]:F3}");
        double exact = ModelTestKit.GreedyExactMatch(model, prompts, maxLength: 8);
        output.WriteLine($"exact match over all {prompts.Count} prompts: {exact:P0}");
        Assert.Equal(1.0, exact);
        Assert.True(result.Losses[^1] < 0.5 * result.Losses[0]);
    }

    // ---------------------------------------------------------------- MLM pretraining → encoder-decoder

    private const int Words = 120, Classes = 4;
    private static int WordId(int w) => 5 + w;                 // words 5..124
    private static int ClassId(int c) => 5 + Words + c;        // class tokens 125..128
    private static int Vocab => 5 + Words + Classes;
    private static int ClassOf(int word) => word % Classes;

    /// <summary>Sentences of 4–8 words all drawn from one class (the class is only visible through co-occurrence).</summary>
    private static List<(int[] Words, int Class)> Sentences(int count, int seed)
    {
        var rng = new Rng((ulong)seed);
        var list = new List<(int[], int)>(count);
        for (int i = 0; i < count; i++)
        {
            int c = rng.NextInt(Classes), len = 4 + rng.NextInt(5);
            list.Add((Enumerable.Range(0, len).Select(_ => WordId(c + Classes * rng.NextInt(Words / Classes))).ToArray(), c));
        }
        return list;
    }

    private static ModelConfig Shared(ModelFamily family) => new()
    {
        Family = family, SrcVocabSize = Vocab, TgtVocabSize = Vocab, DModel = 32, Heads = 2, FeedForward = 64,
        EncoderLayers = 1, DecoderLayers = 1, Dropout = 0f, Seed = 17,
    };

    /// <summary>Masked-LM pretraining of an <see cref="EncoderOnlyModel"/> on unlabeled sentences (plain loop, Adam).</summary>
    private static EncoderOnlyModel PretrainMlm(int steps, List<(int[] Words, int Class)> corpus)
    {
        var model = (EncoderOnlyModel)ModelFactory.Build(Shared(ModelFamily.EncoderOnly));
        var opt = Optimizer.Create(new OptimizerOptions(OptimizerKind.Adam, 3e-3, Beta2: 0.98), model.NamedParameters());
        var rng = new Rng(99);
        const int bsz = 64;
        for (int step = 0; step < steps; step++)
        {
            using var scope = TensorScope.Begin();
            var rows = Enumerable.Range(0, bsz).Select(_ => corpus[rng.NextInt(corpus.Count)].Words).ToArray();
            int s = rows.Max(r => r.Length);
            var ids = new int[bsz * s];                                              // (B, S) right-padded with PAD = 0
            for (int i = 0; i < bsz; i++) rows[i].CopyTo(ids, i * s);
            var (input, targets) = MlmMasking.Apply(ids, rng, Vocab, firstOrdinaryId: 5, maskProbability: 0.3);
            var loss = model.MlmLoss(new IndexTensor(input, bsz, s), rows.Select(r => r.Length).ToArray(), targets);
            if (!float.IsFinite(loss.Item())) continue;                             // a batch with no masked token
            loss.Backward();
            opt.Step();
            opt.ZeroGrad();
        }
        return model;
    }

    /// <summary>
    /// Labeled task: sentence → its class token. With only 200 labeled sentences and 60 steps, the encoder-decoder whose
    /// encoder comes from MLM pretraining on 20,000 unlabeled sentences reaches a clearly lower training and held-out loss
    /// than the same model (same seed, same data, same batches) initialised at random.
    /// </summary>
    [Fact]
    public void MlmPretrainedEncoder_TrainsToLowerLossThanRandomInit()
    {
        var mlm = PretrainMlm(300, Sentences(20000, 1));
        var labeled = Sentences(200, 2).Select(s => new Example(s.Words, new[] { ClassId(s.Class) })).ToList();
        var valid = Sentences(300, 3).Select(s => new Example(s.Words, new[] { ClassId(s.Class) })).ToList();

        (double Train, double Valid) Run(bool pretrained)
        {
            var model = (EncoderDecoder)ModelFactory.Build(Shared(ModelFamily.Transformer));
            if (pretrained)
            {
                var state = mlm.EncoderState();
                Assert.Contains(state.Keys, k => k.StartsWith("encoder.", StringComparison.Ordinal));
                Assert.Contains(state.Keys, k => k.StartsWith("src_embed.", StringComparison.Ordinal));
                Assert.All(state.Keys, k => Assert.True(model.StateDict().ContainsKey(k), $"{k} has no counterpart in the encoder-decoder"));
                model.LoadStateDict(state, strict: false);
            }
            var options = ModelTestKit.Options(60, lr: 2e-3, warmup: 10, labelSmoothing: 0f) with { ValidEvery = 0 };
            var result = new Trainer(model, options, labeled, valid, new BatcherOptions { BatchSize = 32 }).Train();
            return (result.Losses.Skip(40).Average(), result.LastValidation!.Loss);
        }

        var random = Run(false);
        var transfer = Run(true);
        output.WriteLine($"random init: train {random.Train:F3}, valid {random.Valid:F3}; MLM encoder: train {transfer.Train:F3}, valid {transfer.Valid:F3}");
        Assert.True(transfer.Train < 0.8 * random.Train, "training loss not clearly lower with the pretrained encoder");
        Assert.True(transfer.Valid < 0.8 * random.Valid, "held-out loss not clearly lower with the pretrained encoder");
    }
}
