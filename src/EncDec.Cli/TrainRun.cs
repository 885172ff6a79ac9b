using System.Globalization;
using System.Text.Json;
using EncDec.Data;
using EncDec.Generation;
using EncDec.IO;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Cli;

/// <summary>Everything a training run produced.</summary>
internal sealed record TrainRunResult(Module Model, TrainResult Result, string ModelPath, double Seconds, long Parameters);

/// <summary>
/// One training run into a run folder, shared by <c>demo</c> and <c>train</c>: builds (or resumes) the model and
/// trainer, shows progress, and writes model.safetensors, config.json, metrics.jsonl and loss.svg.
/// </summary>
internal static class TrainRun
{
    public static TrainRunResult Run(Ui ui, string outDir, ModelConfig config, TrainerOptions options, BatcherOptions batching,
                                     IReadOnlyList<Example> train, IReadOnlyList<Example> valid, ITokenizer src, ITokenizer tgt,
                                     bool resume, CancellationToken cancel, Action<Module>? initialize = null)
    {
        Directory.CreateDirectory(outDir);
        var model = ModelFactory.Build(config);
        initialize?.Invoke(model);   // e.g. a pretrained encoder (a resumed run then loads its own weights over it)
        var metricsPath = Path.Combine(outDir, "metrics.jsonl");
        var log = new List<string>();
        var validPoints = new List<(long, double)>();
        var seq = (ISeq2SeqModel)model;
        var trainer = new Trainer(model, options, train, valid, batching)
        {
            RunDirectory = outDir,
            CheckpointStore = SafeTensorsCheckpointStore.Instance,
            ConfigJson = config.ToJson(),
            Vocabularies = new Dictionary<string, string> { [ModelStore.SourceVocab] = src.ToJson(), [ModelStore.TargetVocab] = tgt.ToJson() },
            ValidationDecoder = sources => SequenceGenerator.Generate(seq, sources,
                    new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = options.ValidMaxLength })
                .Select(r => r.Hypotheses.Count > 0 ? r.Hypotheses[0].Tokens : Array.Empty<int>()).ToList(),
            DetokenizeTarget = ids => tgt.Decode(ids),
            ValidationScorer = (h, r) => (Bleu.Corpus(h, new[] { r }).Score, ExactMatch.Corpus(h, new[] { r })),
        };
        trainer.StepCompleted += s =>
        {
            if (s.Step % Math.Max(options.LogEvery, 1) == 0 || s.Skipped)
                log.Add(JsonSerializer.Serialize(new { type = "step", step = s.Step, loss = Finite(s.Loss), lr = s.Lr, grad_norm = Finite(s.GradNorm),
                    tokens_per_s = Math.Round(s.TokensPerSecond, 1), gold_probability = s.GoldProbability, skipped = s.Skipped, elapsed_s = Math.Round(s.ElapsedSeconds, 2) }));
        };
        trainer.Validated += v =>
        {
            validPoints.Add((v.Step, v.Loss));
            log.Add(JsonSerializer.Serialize(new { type = "valid", step = v.Step, loss = v.Loss, ppl = v.Perplexity, bleu = v.Bleu, exact_match = v.ExactMatch, best = v.IsBest }));
        };
        trainer.Warning += w => { ui.Line("warning: " + w); log.Add(JsonSerializer.Serialize(new { type = "warning", message = w })); };

        if (resume)
        {
            var last = LatestCheckpoint(outDir);
            if (last is not null)
            {
                trainer.Resume(last);
                ui.Line($"resuming from {last} (step {trainer.Step})");
            }
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "config.json"), config.ToJson());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = ui.TrainWithProgress(trainer, options.MaxSteps, options.LogEvery, () => trainer.Train(cancel));
        double seconds = clock.Elapsed.TotalSeconds;

        // The final model: the best validated weights when there are any, else the last.
        var modelPath = Path.Combine(outDir, "model.safetensors");
        if (result.BestCheckpoint is not null)
        {
            var best = SafeTensorsCheckpointStore.Instance.Load(result.BestCheckpoint);
            model.LoadStateDict(best.Model);
        }
        ModelStore.Save(modelPath, model, config, src, tgt, result.Steps);
        File.AppendAllLines(metricsPath, log);
        AtomicFile.WriteAllText(Path.Combine(outDir, "loss.svg"), LossCurveSvg.Render(result.Losses, validPoints));
        model.Eval();
        return new TrainRunResult(model, result, modelPath, seconds, model.ParameterCount);
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    public static string? LatestCheckpoint(string outDir)
    {
        var dir = Path.Combine(outDir, "checkpoints");
        if (!Directory.Exists(dir)) return null;
        return Directory.GetFiles(dir, "step_*.safetensors").OrderBy(p => p, StringComparer.Ordinal).LastOrDefault();
    }

    public static string F(double v, string fmt = "F2") => v.ToString(fmt, CultureInfo.InvariantCulture);
}
