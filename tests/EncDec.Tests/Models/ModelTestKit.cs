using EncDec.Data;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Optim;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Tests.Models;

/// <summary>
/// Small helpers shared by the model tests: synthetic symbol tasks as id sequences (no tokenizer needed),
/// char-tokenized dates, small model presets, a trainer wrapper and greedy exact match.
/// </summary>
internal static class ModelTestKit
{
    /// <summary>Symbols of the copy/reverse tasks; symbol i has id <see cref="Vocabulary.SpecialCount"/> + i.</summary>
    public const string Alphabet = "abcdefgh";

    /// <summary>Vocabulary size of the symbol tasks (specials + alphabet).</summary>
    public static int SymbolVocab => Vocabulary.SpecialCount + Alphabet.Length;

    /// <summary>
    /// Disjoint train/test sets of a symbol task (copy, reverse, sort) with lengths in [minLen, maxLen], as ids.
    /// Test sources never occur in the training set.
    /// </summary>
    public static (List<Example> Train, List<Example> Test) SymbolTask(SyntheticTask task, int trainCount, int testCount, int seed,
                                                                        int minLen = 3, int maxLen = 6)
    {
        var opts = new SyntheticOptions { MinLength = minLen, MaxLength = maxLen, Alphabet = Alphabet };
        var pairs = SyntheticTasks.Generate(task, (trainCount + testCount) * 2, seed, opts);
        int[] Ids(string s) => s.Split(' ').Select(t => Vocabulary.SpecialCount + Alphabet.IndexOf(t[0], StringComparison.Ordinal)).ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unique = pairs.Where(p => seen.Add(p.Source)).Select(p => new Example(Ids(p.Source), Ids(p.Target))).ToList();
        var test = unique.Take(testCount).ToList();
        var train = unique.Skip(testCount).Take(trainCount).ToList();
        if (test.Count < testCount || train.Count < trainCount) throw new InvalidOperationException("not enough distinct examples");
        return (train, test);
    }

    /// <summary>Char-tokenized date-normalisation data with disjoint train/test sources.</summary>
    public static (List<Example> Train, List<Example> Test, ITokenizer Src, ITokenizer Tgt) Dates(int trainCount, int testCount, int seed)
    {
        var all = SyntheticTasks.Generate(SyntheticTask.Dates, (trainCount + testCount) * 11 / 10 + 10, seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unique = all.Where(p => seen.Add(p.Source)).ToList();
        var test = unique.Take(testCount).ToList();
        var train = unique.Skip(testCount).Take(trainCount).ToList();
        var src = Tokenizer.Train(TokenizerKind.Char, train.Select(p => p.Source), 1000);
        var tgt = Tokenizer.Train(TokenizerKind.Char, train.Select(p => p.Target), 1000);
        return (Examples.Tokenize(train, src, tgt), Examples.Tokenize(test, src, tgt), src, tgt);
    }

    /// <summary>A small Transformer (post-norm, sinusoidal positions).</summary>
    public static ModelConfig Transformer(int srcVocab, int tgtVocab, int d = 32, int heads = 2, int ffn = 64, int layers = 1,
                                          float dropout = 0f, ulong seed = 1) => new()
    {
        Family = ModelFamily.Transformer, SrcVocabSize = srcVocab, TgtVocabSize = tgtVocab, DModel = d, Heads = heads,
        FeedForward = ffn, EncoderLayers = layers, DecoderLayers = layers, Dropout = dropout, Seed = seed,
    };

    /// <summary>A small LSTM encoder-decoder (bidirectional 1-layer encoder) with Bahdanau attention and input feeding.</summary>
    public static ModelConfig Lstm(int srcVocab, int tgtVocab, int emb = 32, int hidden = 64, float dropout = 0f, ulong seed = 1,
                                   AttentionKind attention = AttentionKind.Bahdanau, RnnCellKind cell = RnnCellKind.Lstm,
                                   bool bidirectional = true, ContextKind context = ContextKind.LastState) => new()
    {
        Family = ModelFamily.Rnn, SrcVocabSize = srcVocab, TgtVocabSize = tgtVocab, DModel = emb, HiddenSize = hidden,
        EncoderLayers = 1, DecoderLayers = 1, Bidirectional = bidirectional, Attention = attention, Cell = cell,
        Context = context, Dropout = dropout, Seed = seed,
    };

    /// <summary>Adam with linear warm-up then inverse-sqrt (or linear-to-zero) decay, no validation, no checkpoints.</summary>
    public static TrainerOptions Options(long steps, double lr, long warmup = 20, ulong seed = 7, float labelSmoothing = 0.1f,
                                         LrScheduleKind schedule = LrScheduleKind.InverseSqrt) => new()
    {
        MaxSteps = steps,
        Optimizer = new OptimizerOptions(OptimizerKind.Adam, lr, Beta2: 0.98),
        Schedule = new LrScheduleConfig(schedule, lr, WarmupSteps: warmup, TotalSteps: steps),
        LabelSmoothing = labelSmoothing,
        ClipNorm = 1.0,
        ValidEvery = 0,
        ValidDecode = false,
        CheckpointEvery = 0,
        LogEvery = 0,
        Seed = seed,
    };

    /// <summary>Builds <paramref name="config"/> and trains it on <paramref name="train"/> with fixed-size shuffled batches.</summary>
    public static (Module Model, TrainResult Result) Train(ModelConfig config, IReadOnlyList<Example> train, TrainerOptions options, int batchSize = 32)
    {
        var model = ModelFactory.Build(config);
        var trainer = new Trainer(model, options, train, null, new BatcherOptions { BatchSize = batchSize, Shuffle = true });
        var result = trainer.Train();
        return (model, result);
    }

    /// <summary>Fraction of <paramref name="test"/> whose greedy output equals the target exactly.</summary>
    public static double GreedyExactMatch(Module model, IReadOnlyList<Example> test, int maxLength = 40)
    {
        model.Eval();
        var outs = SequenceGenerator.Generate((ISeq2SeqModel)model, test.Select(e => e.Src).ToList(),
                                              new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = maxLength });
        int ok = 0;
        for (int i = 0; i < test.Count; i++)
            if (outs[i].Hypotheses.Count > 0 && outs[i].Hypotheses[0].Tokens.AsSpan().SequenceEqual(test[i].Tgt)) ok++;
        model.Train();
        return (double)ok / test.Count;
    }
}
