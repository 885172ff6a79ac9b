using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EncDec.Data;
using EncDec.Generation;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Bench;

/// <summary>
/// Classifier-guided generation (issue 17) on <see cref="DateRenderingTask"/>: dates are to be written as ISO (75% of the
/// training targets) or US MM/DD/YYYY (25%), both correct. A small Transformer (the dates preset) learns the task; a
/// guide classifier (encoder + head, trained on prefixes too) and a separate judge classifier (another seed, another
/// size, full outputs only, trained on renderings of dates disjoint from the guide's) are trained on target strings.
/// The held-out sources are decoded unguided and guided towards US (FUDGE top-k re-weighting), greedy and sampled; for each,
/// the US rate judged by the held-out classifier (and by the rule), BLEU (chars, both renderings as references) and the
/// fraction of correct dates in either rendering are printed, one JSON line each, then a summary line.
/// Options: <c>--steps</c> (base model, default 800), <c>--test</c> (500), <c>--guide-weight</c> (4), <c>--guide-top-k</c>
/// (5), <c>--seed</c> (1).
/// </summary>
public static class GuidanceBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const int Us = (int)DateRendering.UsSlash;

    public static void Run(string[] args)
    {
        int seed = BenchArgs.Int(args, "--seed", 1);
        int steps = BenchArgs.Int(args, "--steps", 800);
        int testSize = BenchArgs.Int(args, "--test", 500);
        float weight = (float)BenchArgs.Double(args, "--guide-weight", 4);
        int topK = BenchArgs.Int(args, "--guide-top-k", 5);
        var total = Stopwatch.StartNew();

        var all = DateRenderingTask.Generate(20000 + testSize, seed, usFraction: 0.25);
        var test = all.Take(testSize).ToList();
        var train = all.Skip(testSize).ToList();
        var src = Tokenizer.Train(TokenizerKind.Char, train.Select(p => p.Source), 1000);
        var tgt = Tokenizer.Train(TokenizerKind.Char, train.Select(p => p.Target), 1000);
        var trainEx = Examples.Tokenize(train.Select(p => new SentencePair(p.Source, p.Target)), src, tgt);

        var preset = Presets.ForSyntheticTask(ModelFamily.Transformer, quick: false, seed, steps);
        var config = preset.Config with { SrcVocabSize = src.Vocab.Count, TgtVocabSize = tgt.Vocab.Count };
        var model = ModelFactory.BuildSeq2Seq(config);
        var clock = Stopwatch.StartNew();
        new Trainer(model, preset.Training with { ValidEvery = 0, ValidDecode = false, LogEvery = 0 }, trainEx, null, preset.Batching).Train();
        double baseSeconds = clock.Elapsed.TotalSeconds;
        model.Eval();

        // guide: both renderings of the first 4,000 training dates; judge: both renderings of 4,000 other dates
        var guideData = Labelled(train.Take(4000).Select(p => p.Date), tgt);
        var judgeDates = DateRenderingTask.Generate(4000, seed + 1000, 0.5).Select(p => p.Date).ToList();
        var trainDates = new HashSet<DateOnly>(train.Take(4000).Select(p => p.Date));
        var judgeData = Labelled(judgeDates.Where(d => !trainDates.Contains(d)), tgt);
        clock.Restart();
        var guide = TrainClassifier(tgt, guideData, dModel: 32, ffn: 64, seed: 3, prefixFraction: 0.6, steps: 300);
        var judge = TrainClassifier(tgt, judgeData, dModel: 48, ffn: 96, seed: 29, prefixFraction: 0, steps: 300);
        double classifierSeconds = clock.Elapsed.TotalSeconds;
        var judgeCheck = Labelled(test.Select(p => p.Date), tgt);
        double judgeAccuracy = ClassifierTrainer.Accuracy(judge, judgeCheck);

        var sources = test.Select(p => src.Encode(p.Source)).ToList();
        var refs = new List<IReadOnlyList<string>>
        {
            test.Select(p => Spaced(DateRenderingTask.Render(p.Date, DateRendering.Iso))).ToList(),
            test.Select(p => Spaced(DateRenderingTask.Render(p.Date, DateRendering.UsSlash))).ToList(),
        };
        var guideProcessor = new ClassifierGuidanceLogitsProcessor(guide, Us, weight, topK, Vocabulary.EosId);
        var greedy = new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = 16 };
        var sample = new GenerationOptions { Strategy = DecodingStrategy.Sample, MaxLength = 16, Seed = (ulong)seed + 7 };
        var rows = new List<Dictionary<string, object>>();
        foreach (var (name, options) in new[]
                 {
                     ("greedy", greedy), ("greedy+guide", greedy with { LogitsProcessors = [guideProcessor] }),
                     ("sample", sample), ("sample+guide", sample with { LogitsProcessors = [guideProcessor] }),
                 })
        {
            clock.Restart();
            var outputs = SequenceGenerator.Generate(model, sources, options).Select(r => r.Hypotheses[0].Tokens).ToList();
            double decodeSeconds = clock.Elapsed.TotalSeconds;
            var texts = outputs.Select(o => tgt.Decode(o)).ToList();
            var judged = judge.Predict(outputs.Select(o => o.Length == 0 ? new[] { Vocabulary.UnkId } : o).ToList());
            int correct = 0;
            for (int i = 0; i < test.Count; i++)
                if (texts[i] == DateRenderingTask.Render(test[i].Date, DateRendering.Iso) || texts[i] == DateRenderingTask.Render(test[i].Date, DateRendering.UsSlash)) correct++;
            var row = new Dictionary<string, object>
            {
                ["bench"] = "guidance",
                ["decoding"] = name,
                ["us_rate_judge"] = Math.Round(judged.Count(j => j == Us) / (double)test.Count, 4),
                ["us_rate_rule"] = Math.Round(texts.Count(t => DateRenderingTask.RenderingOf(t) == DateRendering.UsSlash) / (double)test.Count, 4),
                ["bleu"] = Math.Round(Bleu.Corpus(texts.Select(Spaced).ToList(), refs).Score, 2),
                ["correct"] = Math.Round(correct / (double)test.Count, 4),
                ["decode_seconds"] = Math.Round(decodeSeconds, 1),
            };
            rows.Add(row);
            Console.WriteLine(JsonSerializer.Serialize(row));
        }
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["bench"] = "guidance-summary",
            ["attribute"] = "US rendering MM/DD/YYYY (25% of training targets)",
            ["base_rate_greedy"] = rows[0]["us_rate_judge"], ["guided_greedy"] = rows[1]["us_rate_judge"],
            ["base_rate_sample"] = rows[2]["us_rate_judge"], ["guided_sample"] = rows[3]["us_rate_judge"],
            ["bleu_greedy"] = rows[0]["bleu"], ["bleu_greedy_guided"] = rows[1]["bleu"],
            ["bleu_sample"] = rows[2]["bleu"], ["bleu_sample_guided"] = rows[3]["bleu"],
            ["guide_weight"] = weight, ["guide_top_k"] = topK,
            ["judge_accuracy"] = Math.Round(judgeAccuracy, 4),
            ["base_steps"] = steps, ["base_seconds"] = Math.Round(baseSeconds, 1), ["classifier_seconds"] = Math.Round(classifierSeconds, 1),
            ["total_seconds"] = Math.Round(total.Elapsed.TotalSeconds, 1), ["test_size"] = test.Count,
        }));
    }

    private static string Spaced(string s) => string.Join(' ', s.ToCharArray());

    /// <summary>Each date in both renderings, labelled by rendering, as target-tokenizer ids.</summary>
    private static List<LabelledSequence> Labelled(IEnumerable<DateOnly> dates, ITokenizer tgt) =>
        dates.SelectMany(d => Enum.GetValues<DateRendering>().Select(r => new LabelledSequence(tgt.Encode(DateRenderingTask.Render(d, r)), (int)r))).ToList();

    private static SequenceClassifier TrainClassifier(ITokenizer tgt, List<LabelledSequence> data, int dModel, int ffn, int seed, double prefixFraction, int steps)
    {
        var config = new ModelConfig
        {
            Family = ModelFamily.EncoderOnly, SrcVocabSize = tgt.Vocab.Count, DModel = dModel, Heads = 2, FeedForward = ffn, EncoderLayers = 1,
            Dropout = 0f, MaxPositions = 24, NumClasses = 2, ClassLabels = ["iso", "us"], Seed = (ulong)seed,
        };
        var classifier = SequenceClassifier.Build(config);
        var options = new TrainerOptions
        {
            MaxSteps = steps, Seed = (ulong)seed, ClipNorm = 1,
            Optimizer = new OptimizerOptions(OptimizerKind.Adam, 3e-3),
            Schedule = new LrScheduleConfig(LrScheduleKind.Constant, 3e-3),
        };
        new ClassifierTrainer(classifier, options, new ClassifierTrainOptions(BatchSize: 32, PrefixFraction: prefixFraction)).Train(data);
        return classifier;
    }
}
