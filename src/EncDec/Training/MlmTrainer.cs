using System.Diagnostics;
using System.Globalization;
using EncDec.Data;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>
/// Masked-language-model pretraining of an <see cref="EncoderOnlyModel"/> on monolingual token sequences: each batch is
/// masked afresh (<see cref="MlmMasking"/>), the loss is the mean cross-entropy over the chosen positions, with the
/// <see cref="TrainerOptions"/>' optimizer, schedule, clipping, accumulation, steps, validation and checkpoint settings
/// (label smoothing and scheduled sampling do not apply). Validation masks with a fixed seed, so validations compare.
/// </summary>
public sealed class MlmTrainer
{
    private readonly EncoderOnlyModel _model;
    private readonly TrainerOptions _o;
    private readonly MlmOptions _mlm;
    private readonly IReadOnlyList<Example> _train;
    private readonly IReadOnlyList<Example>? _valid;
    private readonly Batcher _batcher;
    private readonly Optimizer _optimizer;
    private readonly LrSchedule _schedule;
    private readonly Rng _maskRng;
    private readonly List<double> _losses = new();
    private double? _best;
    private int _badValidations;

    /// <summary>Folder for checkpoints (null = keep nothing on disk).</summary>
    public string? RunDirectory { get; init; }
    /// <summary>Persists checkpoints; required when <see cref="RunDirectory"/> is set.</summary>
    public ICheckpointStore? CheckpointStore { get; init; }
    /// <summary>Model config JSON stored in every checkpoint.</summary>
    public string? ConfigJson { get; init; }
    /// <summary>Tokenizer JSON by name stored in every checkpoint.</summary>
    public IReadOnlyDictionary<string, string> Vocabularies { get; init; } = new Dictionary<string, string>();

    public event Action<StepInfo>? StepCompleted;
    public event Action<ValidationInfo>? Validated;

    public long Step { get; private set; }
    public Optimizer Optimizer => _optimizer;

    /// <param name="train">Token sequences (without BOS/EOS).</param>
    public MlmTrainer(EncoderOnlyModel model, TrainerOptions options, MlmOptions mlm, IReadOnlyList<int[]> train,
                      IReadOnlyList<int[]>? valid, BatcherOptions batching)
    {
        if (train.Count == 0) throw new UserInputException("the training set is empty");
        _model = model; _o = options; _mlm = mlm;
        // a batch's cost is its padded source: an empty target keeps the target side out of it
        _train = train.Select(ids => new Example(ids, Array.Empty<int>())).ToList();
        _valid = valid?.Select(ids => new Example(ids, Array.Empty<int>())).ToList();
        _batcher = new Batcher(_train, batching with { Seed = (int)(options.Seed & 0x7FFFFFFF) });
        _optimizer = Optim.Optimizer.Create(options.Optimizer, model.NamedParameters());
        _schedule = LrSchedule.Create(options.Schedule);
        _maskRng = new Rng(options.Seed ^ 0x3C3C3C3CUL);
    }

    /// <summary>Runs until MaxSteps, MaxMinutes, early stopping or cancellation.</summary>
    public TrainResult Train(CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        ValidationInfo? last = null, best = null;
        string? lastCkpt = null, bestCkpt = null;
        var reason = StopReason.MaxSteps;
        int epoch = 0, next = 0, skipped = 0;
        var plan = _batcher.Plan(epoch);
        _model.Train();
        while (Step < _o.MaxSteps)
        {
            if (cancel.IsCancellationRequested) { reason = StopReason.Cancelled; break; }
            if (_o.MaxMinutes is { } mm && clock.Elapsed.TotalMinutes >= mm) { reason = StopReason.MaxMinutes; break; }
            double lossSum = 0; int predicted = 0;
            using (TensorScope.Begin(freeActivations: true))   // each loss is read before its backward
            {
                for (int micro = 0; micro < _o.GradAccumulation; micro++)
                {
                    if (next >= plan.Count) { epoch++; next = 0; plan = _batcher.Plan(epoch); }
                    var batch = Batch.Create(_train, plan[next++]);
                    var (loss, n) = BatchLoss(batch, _maskRng);
                    if (loss is null) continue;                                  // nothing was chosen in this batch
                    lossSum += loss.Item() * n; predicted += n;
                    loss.MulScalar(1f / _o.GradAccumulation).Backward();
                }
                var ps = _model.Parameters().ToList();
                double norm = _o.ClipNorm > 0 ? GradClip.ClipGradNorm(ps, _o.ClipNorm) : GradClip.TotalNorm(ps);
                bool bad = predicted == 0 || !double.IsFinite(norm) || !double.IsFinite(lossSum);
                Step++;
                double lr = _schedule.LrAt(Step);
                if (!bad) { _optimizer.Lr = lr; _optimizer.Step(); } else skipped++;
                _optimizer.ZeroGrad();
                double mean = predicted > 0 ? lossSum / predicted : double.NaN;
                if (!bad) _losses.Add(mean);
                double seconds = clock.Elapsed.TotalSeconds;
                StepCompleted?.Invoke(new StepInfo(Step, mean, lr, norm, 0, predicted, 1, 0, bad, seconds));
            }
            bool final = Step >= _o.MaxSteps;
            if (_valid is { Count: > 0 } && ((_o.ValidEvery > 0 && Step % _o.ValidEvery == 0) || final))
            {
                last = Validate();
                if (last.IsBest) { best = last; if (RunDirectory is not null) bestCkpt = Save(Path.Combine(RunDirectory, "best.safetensors"), epoch, next); }
                Validated?.Invoke(last);
                if (_o.EarlyStoppingPatience > 0 && _badValidations >= _o.EarlyStoppingPatience) { reason = StopReason.EarlyStopping; break; }
            }
            if (RunDirectory is not null && _o.CheckpointEvery > 0 && Step % _o.CheckpointEvery == 0) lastCkpt = SaveRotating(epoch, next);
        }
        if (RunDirectory is not null) lastCkpt = SaveRotating(epoch, next);
        _model.Eval();
        return new TrainResult(Step, reason, _losses, last, best, skipped, lastCkpt, bestCkpt);
    }

    /// <summary>Masks a batch and returns its mean loss over the chosen positions (null when none was chosen) and their count.</summary>
    private (Tensor? Loss, int Chosen) BatchLoss(Batch batch, Rng rng)
    {
        var (input, targets) = MlmMasking.Apply(batch.Src, rng, _mlm.VocabSize, _mlm.FirstOrdinaryId, _mlm.MaskProbability, _mlm.MaskId);
        int chosen = targets.Count(t => t >= 0);
        if (chosen == 0) return (null, 0);
        return (_model.MlmLoss(new IndexTensor(input, batch.B, batch.S), batch.SrcLengths, targets), chosen);   // input (B, S)
    }

    /// <summary>Mean masked-token loss over the validation set, masked with a fixed seed.</summary>
    public ValidationInfo Validate()
    {
        if (_valid is not { Count: > 0 }) throw new InvalidOperationException("no validation set");
        _model.Eval();
        var rng = new Rng(_o.Seed ^ 0x7E7E7E7EUL);
        double sum = 0; long count = 0;
        using (GradMode.NoGrad())
            foreach (var batch in new Batcher(_valid, new BatcherOptions { MaxTokens = _batcher.Options.MaxTokens, BatchSize = _batcher.Options.BatchSize, Shuffle = false }).Epoch(0))
            {
                using var scope = TensorScope.Begin();
                var (loss, n) = BatchLoss(batch, rng);
                if (loss is null) continue;
                sum += loss.Item() * n; count += n;
            }
        _model.Train();
        double mean = count > 0 ? sum / count : double.NaN;
        bool isBest = double.IsFinite(mean) && (_best is null || mean < _best.Value);
        if (isBest) { _best = mean; _badValidations = 0; } else _badValidations++;
        return new ValidationInfo(Step, mean, Math.Exp(Math.Min(mean, 50)), null, null, isBest);
    }

    private string SaveRotating(int epoch, int next)
    {
        var path = Save(RunCheckpoints.PathOf(RunDirectory!, Step), epoch, next);
        RunCheckpoints.KeepNewest(RunDirectory!, _o.KeepLastCheckpoints);
        return path;
    }

    private string Save(string path, int epoch, int next)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var extra = new Dictionary<string, string>
        {
            ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
            ["batch_in_epoch"] = next.ToString(CultureInfo.InvariantCulture),
            ["objective"] = "mlm",
        };
        var rngs = new Dictionary<string, RngState> { ["global"] = Rng.Global.GetState(), ["masking"] = _maskRng.GetState() };
        var snapshot = new TrainingSnapshot(_model.StateDict(), _optimizer.StateDict(), Step, rngs, extra, ConfigJson, Vocabularies);
        (CheckpointStore ?? throw new InvalidOperationException("no checkpoint store configured")).Save(path, snapshot);
        return path;
    }
}
