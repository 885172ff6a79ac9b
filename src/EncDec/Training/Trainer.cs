using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EncDec.Autograd;
using EncDec.Data;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Training;

/// <summary>
/// Trains a teacher-forced seq2seq model: label-smoothed cross-entropy over non-padding target tokens,
/// gradient accumulation, global-norm clipping, a learning-rate schedule, optional scheduled sampling,
/// periodic validation (loss, perplexity, and greedy-decoding BLEU / exact match), checkpoints that keep
/// the last K and the best, early stopping, and exact resume: weights, optimizer state, step, every random
/// generator and the position in the data are saved, so a resumed run repeats the uninterrupted run's losses.
/// A non-finite loss or gradient norm is reported with its step and batch and the step is skipped.
/// </summary>
public sealed class Trainer
{
    private readonly Module _module;
    private readonly ITeacherForcedModel _model;
    private readonly TrainerOptions _o;
    private readonly IReadOnlyList<Example> _train;
    private readonly IReadOnlyList<Example>? _valid;
    private readonly Batcher _batcher;
    private readonly Batcher? _validBatcher;
    private readonly Optimizer _optimizer;
    private readonly LrSchedule _schedule;
    private readonly Rng _samplingRng;
    private readonly List<double> _losses = new();

    private long _step;
    private int _epoch;
    private int _batchInEpoch;
    private double? _best;
    private int _badValidations;
    private int _skipped;
    private int _skippedInARow;
    private StopReason? _stopReason;
    private GradientBuckets? _buckets;

    /// <summary>Folder for checkpoints and logs (null = keep nothing on disk).</summary>
    public string? RunDirectory { get; init; }
    /// <summary>Model config JSON stored in every checkpoint (so the checkpoint alone rebuilds the model).</summary>
    public string? ConfigJson { get; init; }
    /// <summary>Tokenizer JSON by name ("source", "target") stored in every checkpoint.</summary>
    public IReadOnlyDictionary<string, string> Vocabularies { get; init; } = new Dictionary<string, string>();
    /// <summary>Decodes and scores the validation set (BLEU, chrF, exact match); takes the place of the three delegates below.</summary>
    public IValidationDecoding? Validation { get; init; }
    /// <summary>Greedy decoder used for validation BLEU/exact match: (sources) → outputs (token ids without BOS/EOS).</summary>
    public Func<IReadOnlyList<int[]>, IReadOnlyList<int[]>>? ValidationDecoder { get; init; }
    /// <summary>Turns target ids into text for scoring (default: ids joined by spaces).</summary>
    public Func<int[], string>? DetokenizeTarget { get; init; }
    /// <summary>Scores validation outputs: (hypotheses, references) → BLEU, chrF, exact match. Supplied by the caller
    /// (Metrics is a later layer than Training).</summary>
    public Func<IReadOnlyList<string>, IReadOnlyList<string>, ValidationScores>? ValidationScorer { get; init; }
    /// <summary>The untokenised reference text of each validation example (same order); when null the detokenised
    /// target ids are the references.</summary>
    public IReadOnlyList<string>? ValidationReferences { get; init; }
    /// <summary>String metadata stored in every checkpoint (key "run.&lt;name&gt;"), e.g. the settings the vocabulary was built from.</summary>
    public IReadOnlyDictionary<string, string> ExtraMetadata { get; init; } = new Dictionary<string, string>();
    /// <summary>Persists checkpoints (the IO layer's safetensors store); required when <see cref="RunDirectory"/> is set.</summary>
    public ICheckpointStore? CheckpointStore { get; init; }
    /// <summary>
    /// Data-parallel group (null = this process alone). Every rank builds the same model from the same seed and reads
    /// its own share of each step's batches: with <c>GradAccumulation</c> = a and N ranks, a step takes a·N consecutive
    /// batches of the epoch's plan and rank r takes every N-th of them starting at r, so N ranks equal one process
    /// with <c>GradAccumulation</c> = a·N. Gradients are averaged in buckets while backward runs; the step's losses,
    /// token counts, skip and stop decisions are agreed by all ranks. Set <see cref="RunDirectory"/> on rank 0 only.
    /// </summary>
    public IDataParallel? DataParallel { get; init; }
    /// <summary>A loss to train with instead of teacher-forced cross-entropy (e.g. <see cref="ScstObjective"/>); scheduled
    /// sampling and label smoothing do not apply to it.</summary>
    public IBatchObjective? Objective { get; init; }
    /// <summary>The mean reward <see cref="Objective"/> reported for the last batch (null without one).</summary>
    public double? LastMeanReward { get; private set; }
    /// <summary>Bucket size for <see cref="DataParallel"/> gradient averaging.</summary>
    public int GradientBucketBytes { get; init; } = GradientBuckets.DefaultBucketBytes;
    /// <summary>Seconds the last step spent waiting for gradient reductions after backward (0 without a group).</summary>
    public double LastReductionWaitSeconds => _buckets?.LastWaitSeconds ?? 0;
    /// <summary>Gradient buckets of the last step started while backward was still running (of <see cref="GradientBucketCount"/>).</summary>
    public int LastBucketsOverlapped => _buckets?.StartedDuringBackward ?? 0;
    public int GradientBucketCount => _buckets?.Count ?? 0;

    public event Action<StepInfo>? StepCompleted;
    public event Action<ValidationInfo>? Validated;
    /// <summary>Non-finite loss reports and other warnings.</summary>
    public event Action<string>? Warning;

    public long Step => _step;
    /// <summary>The best validation score so far (lower = better, see <see cref="ValidationInfo.Score"/>); null before any validation.</summary>
    public double? BestScore => _best;
    /// <summary>Prefix of <see cref="ExtraMetadata"/> keys inside a checkpoint's extra metadata.</summary>
    public const string ExtraMetadataPrefix = "run.";
    /// <summary>Checkpoint extra key holding how the run ended ("MaxSteps", "EarlyStopping", …), only in the final checkpoint.</summary>
    public const string StopReasonKey = "stop_reason";
    public Optimizer Optimizer => _optimizer;

    /// <summary>Trains <paramref name="model"/> (an <see cref="EncoderDecoder"/> or a <see cref="DecoderOnlyLm"/>).</summary>
    public Trainer(Seq2SeqModule model, TrainerOptions options, IReadOnlyList<Example> train, IReadOnlyList<Example>? valid,
                   BatcherOptions batching)
        : this(model, model, options, train, valid, batching)
    {
    }

    /// <summary>Trains any module that is also an <see cref="ITeacherForcedModel"/> (checked here, once).</summary>
    public Trainer(Module model, TrainerOptions options, IReadOnlyList<Example> train, IReadOnlyList<Example>? valid,
                   BatcherOptions batching)
        : this(model, model as ITeacherForcedModel ?? throw new ArgumentException("model must implement ITeacherForcedModel"), options, train, valid, batching)
    {
    }

    private Trainer(Module module, ITeacherForcedModel model, TrainerOptions options, IReadOnlyList<Example> train, IReadOnlyList<Example>? valid,
                    BatcherOptions batching)
    {
        _module = module;
        _model = model;
        _o = options;
        if (train.Count == 0) throw new UserInputException("the training set is empty");
        _train = train; _valid = valid;
        _batcher = new Batcher(train, batching with { Seed = (int)(options.Seed & 0x7FFFFFFF) });
        if (valid is { Count: > 0 }) _validBatcher = new Batcher(valid, batching with { Shuffle = false });
        _optimizer = Optim.Optimizer.Create(options.Optimizer, module.NamedParameters());
        _schedule = LrSchedule.Create(options.Schedule);
        _samplingRng = new Rng(options.Seed ^ 0x5A5A5A5AUL);
    }

    /// <summary>Runs until MaxSteps, MaxMinutes, early stopping or cancellation.</summary>
    public TrainResult Train(CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        _stopReason = null;
        ValidationInfo? last = null, best = null;
        string? lastCkpt = null, bestCkpt = null;
        StopReason reason = StopReason.MaxSteps;
        var plan = _batcher.Plan(_epoch);
        _module.Train();
        long tokensSinceLog = 0; var logClock = Stopwatch.StartNew();
        StopReason? groupStop = null;   // a stop all ranks agreed on during the last step
        var group = DataParallel is { WorldSize: > 1 } g0 ? g0 : null;
        if (group is not null) _buckets ??= new GradientBuckets(group, _module.Parameters(), GradientBucketBytes);
        string? divergence = null;
        while (_step < _o.MaxSteps)
        {
            if (group is null)
            {
                if (cancel.IsCancellationRequested) { reason = StopReason.Cancelled; break; }
                if (_o.MaxMinutes is { } mm && clock.Elapsed.TotalMinutes >= mm) { reason = StopReason.MaxMinutes; break; }
            }

            double lossSum = 0; int tokens = 0, replaced = 0, eligible = 0; bool bad = false;
            double gold = _o.ScheduledSampling.GoldProbability(_step);
            // the step reads each loss before its backward, so backward may free activations as it goes
            using (var scope = TensorScope.Begin(freeActivations: true))
            {
                var mine = group is null ? null : TakeStepBatches(ref plan, group);
                _buckets?.BeginStep();
                for (int micro = 0; micro < _o.GradAccumulation; micro++)
                {
                    var batch = Batch.Create(_train, mine is not null ? mine[micro] : NextPlanEntry(ref plan));
                    var (loss, n, rep, elig) = BatchLoss(batch, gold);
                    float lv = loss.Item();
                    if (!float.IsFinite(lv))
                    {
                        Warning?.Invoke($"step {_step + 1}: non-finite loss ({lv}) on batch {_batchInEpoch - 1} of epoch {_epoch}"
                                        + (group is null ? "" : $" (rank {group.Rank})") + "; step skipped");
                        bad = true; break;
                    }
                    var scaled = loss.MulScalar(1f / _o.GradAccumulation);
                    if (_buckets is not null && micro == _o.GradAccumulation - 1) scaled.Backward(null, _buckets.OnGradientReady);
                    else scaled.Backward();
                    lossSum += lv * n; tokens += n; replaced += rep; eligible += elig;
                }
                if (group is not null)
                {
                    // every rank reduces the same buckets and then agrees on the step's numbers and on stopping
                    _buckets!.Finish();
                    var agreed = new double[] { lossSum, tokens, replaced, eligible, bad ? 1 : 0,
                        cancel.IsCancellationRequested ? 1 : 0,
                        _o.MaxMinutes is { } mm2 && clock.Elapsed.TotalMinutes >= mm2 ? 1 : 0 };
                    group.Sum(agreed);
                    lossSum = agreed[0]; tokens = (int)agreed[1]; replaced = (int)agreed[2]; eligible = (int)agreed[3];
                    bad = agreed[4] > 0;
                    if (agreed[5] > 0) groupStop = StopReason.Cancelled;
                    else if (agreed[6] > 0) groupStop = StopReason.MaxMinutes;
                }
                double norm = double.NaN;
                if (!bad)
                {
                    var ps = _module.Parameters().ToList();
                    norm = _o.ClipNorm > 0 ? GradClip.ClipGradNorm(ps, _o.ClipNorm) : GradClip.TotalNorm(ps);
                    if (!double.IsFinite(norm))
                    {
                        Warning?.Invoke($"step {_step + 1}: non-finite gradient norm on batch {_batchInEpoch - 1} of epoch {_epoch}; step skipped");
                        bad = true;
                    }
                }
                _step++;
                double lr = _schedule.LrAt(_step);
                if (!bad)
                {
                    _optimizer.Lr = lr;
                    _optimizer.Step();
                    _skippedInARow = 0;
                    if (FirstNonFiniteParameter() is { } name)
                        divergence = string.Create(CultureInfo.InvariantCulture, $"the weights became non-finite after the update of step {_step} (first: {name}; lr {lr:G3})");
                }
                else
                {
                    _skipped++;
                    if (++_skippedInARow >= _o.MaxSkippedStepsInARow && _o.MaxSkippedStepsInARow > 0)
                        divergence = $"{_skippedInARow} steps in a row (up to step {_step}) were skipped for a non-finite loss or gradient";
                }
                _optimizer.ZeroGrad();
                double meanLoss = tokens > 0 ? lossSum / tokens : double.NaN;
                if (!bad) _losses.Add(meanLoss);
                tokensSinceLog += tokens;
                double tps = tokensSinceLog / Math.Max(logClock.Elapsed.TotalSeconds, 1e-9);
                StepCompleted?.Invoke(new StepInfo(_step, meanLoss, lr, norm, tps, tokens, gold,
                    eligible > 0 ? (double)replaced / eligible : 0, bad, clock.Elapsed.TotalSeconds, _epoch));
                if (_o.LogEvery > 0 && _step % _o.LogEvery == 0) { tokensSinceLog = 0; logClock.Restart(); }
            }

            if (groupStop is { } agreedStop) { reason = agreedStop; break; }
            if (divergence is not null) { reason = StopReason.Diverged; break; }   // no checkpoint of diverged weights
            bool final = _step >= _o.MaxSteps;
            // A stop request skips the validation due at this step: stopping must be quick (the checkpoint is written below).
            if (_validBatcher is not null && !cancel.IsCancellationRequested && ((_o.ValidEvery > 0 && _step % _o.ValidEvery == 0) || final))
            {
                last = ValidateAndKeepBest(ref best, ref bestCkpt);
                if (_o.EarlyStoppingPatience > 0 && _badValidations >= _o.EarlyStoppingPatience) { reason = StopReason.EarlyStopping; break; }
            }
            if (RunDirectory is not null && _o.CheckpointEvery > 0 && _step % _o.CheckpointEvery == 0) lastCkpt = SaveRotating();
        }
        // A run stopped by time still validates its final weights; a cancelled one only saves them (stopping must be quick).
        if (_validBatcher is not null && (last is null || last.Step != _step) && _step > 0
            && reason is not (StopReason.EarlyStopping or StopReason.Cancelled or StopReason.Diverged))
        {
            last = ValidateAndKeepBest(ref best, ref bestCkpt);
        }
        _stopReason = reason;
        if (RunDirectory is not null && reason != StopReason.Diverged) lastCkpt = SaveRotating();
        return new TrainResult(_step, reason, _losses, last, best, _skipped, lastCkpt, bestCkpt) { Detail = divergence };
    }

    /// <summary>The name of the first parameter holding a NaN or an infinity, or null.</summary>
    private string? FirstNonFiniteParameter()
    {
        foreach (var (name, p) in _module.NamedParameters())
            if (p.Span.Length > 0 && !float.IsFinite(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(p.Span))) return name;
        return null;
    }

    /// <summary>
    /// This rank's batches of the next step: of the a·N consecutive plan entries the step covers (continuing into the
    /// next epoch's plan as one process would), every N-th starting at the rank. The position advances past all of
    /// them on every rank, so the ranks stay in step even when one skips the rest of a step.
    /// </summary>
    private List<int[]> TakeStepBatches(ref List<int[]> plan, IDataParallel group)
    {
        var mine = new List<int[]>(_o.GradAccumulation);
        int total = _o.GradAccumulation * group.WorldSize;
        for (int j = 0; j < total; j++)
        {
            var entry = NextPlanEntry(ref plan);
            if (j % group.WorldSize == group.Rank) mine.Add(entry);
        }
        return mine;
    }

    /// <summary>The next batch of the epoch's plan (moving on to the next epoch's plan after the last), and advances past it.</summary>
    private int[] NextPlanEntry(ref List<int[]> plan)
    {
        if (_batchInEpoch >= plan.Count) { _epoch++; _batchInEpoch = 0; plan = _batcher.Plan(_epoch); }
        return plan[_batchInEpoch++];
    }

    /// <summary>Validates, saves best.safetensors when the result is the best so far, and raises <see cref="Validated"/>.</summary>
    private ValidationInfo ValidateAndKeepBest(ref ValidationInfo? best, ref string? bestCheckpoint)
    {
        var v = Validate();
        if (v.IsBest)
        {
            best = v;
            if (RunDirectory is not null) bestCheckpoint = SaveCheckpoint(Path.Combine(RunDirectory, "best.safetensors"));
        }
        Validated?.Invoke(v);
        return v;
    }

    /// <summary>Loss of one batch (mean over target tokens) with scheduled sampling applied.</summary>
    private (Tensor Loss, int Tokens, int Replaced, int Eligible) BatchLoss(Batch batch, double goldProbability)
    {
        if (Objective is not null)
        {
            var r = Objective.Loss(batch, _step + 1);
            LastMeanReward = r.MeanReward;
            return (r.Loss, r.Tokens, 0, 0);
        }
        var src = new IndexTensor(batch.Src, batch.B, batch.S);
        int[] tgtIn = batch.TgtIn;
        int replaced = 0, eligible = 0;
        if (goldProbability < 1.0)
        {
            int[] predicted;
            using (GradMode.NoGrad())
            {
                var (l0, _) = _model.Forward(src, batch.SrcLengths, new IndexTensor(batch.TgtIn, batch.B, batch.T));
                predicted = l0.ArgMax(-1).Data;                                    // (B, T)
            }
            (tgtIn, replaced, eligible) = ScheduledSamplingOptions.Mix(batch.TgtIn, predicted, batch.B, batch.T, 0, goldProbability, _samplingRng);
        }
        long mark = Tensor.RegionMark();
        var (logits, _) = _model.Forward(src, batch.SrcLengths, new IndexTensor(tgtIn, batch.B, batch.T)); // (B, T, V)
        var target = new IndexTensor(batch.TgtOut, batch.B * batch.T);
        var loss = F.CrossEntropy(logits.Reshape(batch.B * batch.T, -1), target, ignoreIndex: Vocabulary.PadId, labelSmoothing: _o.LabelSmoothing);
        Tensor.ReleaseUnsaved(loss, mark);   // the logits (B·T × V) and what else no backward reads, before backward starts
        int n = batch.TgtLengths.Sum() + batch.B;   // target tokens + EOS
        n = Math.Min(n, batch.TgtOut.Count(t => t != 0));
        return (loss, n, replaced, eligible);
    }

    /// <summary>
    /// Validation loss (no label smoothing), perplexity, and optionally BLEU / chrF / exact match of greedy outputs;
    /// updates the best score and the early-stopping count.
    /// </summary>
    public ValidationInfo Validate()
    {
        var v = Evaluate();
        double metric = v.Score(_o.BestMetric);
        bool isBest = _best is null || metric < _best.Value;
        if (isBest) { _best = metric; _badValidations = 0; } else _badValidations++;
        return v with { IsBest = isBest };
    }

    /// <summary>The numbers of <see cref="Validate"/> for the current weights, without touching the best score (IsBest is false).</summary>
    public ValidationInfo Evaluate()
    {
        if (_validBatcher is null || _valid is null) throw new InvalidOperationException("no validation set");
        _module.Eval();
        double nll = 0; long count = 0;
        using (GradMode.NoGrad())
        {
            foreach (var batch in _validBatcher.Epoch(0))
            {
                using var scope = TensorScope.Begin();
                var (logits, _) = _model.Forward(new IndexTensor(batch.Src, batch.B, batch.S), batch.SrcLengths, new IndexTensor(batch.TgtIn, batch.B, batch.T));
                var loss = F.CrossEntropy(logits.Reshape(batch.B * batch.T, -1), new IndexTensor(batch.TgtOut, batch.B * batch.T), ignoreIndex: Vocabulary.PadId, reduction: Reduction.Sum);
                nll += loss.Item();
                count += batch.TgtOut.Count(t => t != Vocabulary.PadId);
            }
        }
        double meanLoss = nll / Math.Max(count, 1);
        ValidationScores? scores = null;
        var decoder = Validation is { } v ? v.Decode : ValidationDecoder;
        var scorer = Validation is { } w ? w.Score : ValidationScorer;
        if (_o.ValidDecode && decoder is not null && scorer is not null)
        {
            int n = Math.Min(_o.ValidDecodeLimit, _valid.Count);
            var subset = _valid.Take(n).ToList();
            var outputs = decoder(subset.Select(e => e.Src).ToList());
            var detok = Validation is { } d ? d.Detokenize : DetokenizeTarget ?? (ids => string.Join(' ', ids));
            var hyps = outputs.Select(detok).ToList();
            if (ValidationReferences is { } raw && raw.Count != _valid.Count)
                throw new InvalidOperationException($"{raw.Count} validation references for {_valid.Count} validation examples");
            var refs = ValidationReferences?.Take(n).ToList() ?? subset.Select(e => detok(e.Tgt)).ToList();
            scores = scorer(hyps, refs);
        }
        _module.Train();
        return new ValidationInfo(_step, meanLoss, Math.Exp(Math.Min(meanLoss, 50)), scores?.Bleu, scores?.ExactMatch, false, scores?.ChrF);
    }

    // ------------------------------------------------------------------ checkpoints and resume

    private string SaveRotating()
    {
        var path = RunCheckpoints.PathOf(RunDirectory!, _step);
        SaveCheckpoint(path);
        RunCheckpoints.KeepNewest(RunDirectory!, _o.KeepLastCheckpoints);
        return path;
    }

    /// <summary>Writes a full training checkpoint (atomic).</summary>
    public string SaveCheckpoint(string path)
    {
        var extra = new Dictionary<string, string>
        {
            ["epoch"] = _epoch.ToString(CultureInfo.InvariantCulture),
            ["batch_in_epoch"] = _batchInEpoch.ToString(CultureInfo.InvariantCulture),
            ["best"] = _best?.ToString("R", CultureInfo.InvariantCulture) ?? "",
            ["bad_validations"] = _badValidations.ToString(CultureInfo.InvariantCulture),
            ["skipped"] = _skipped.ToString(CultureInfo.InvariantCulture),
            ["losses"] = JsonSerializer.Serialize(_losses.Skip(Math.Max(0, _losses.Count - _o.StoredLosses))),
        };
        if (_stopReason is { } why) extra[StopReasonKey] = why.ToString();
        foreach (var (k, v) in ExtraMetadata) extra[ExtraMetadataPrefix + k] = v;
        var rngs = new Dictionary<string, RngState> { ["global"] = Rng.Global.GetState(), ["sampling"] = _samplingRng.GetState() };
        // the model's own generators (dropout masks draw from the generator the model was built with, not Rng.Global)
        var gens = _module.Generators();
        for (int i = 0; i < gens.Count; i++) rngs[$"module.{i}"] = gens[i].GetState();
        var snapshot = new TrainingSnapshot(_module.StateDict(), _optimizer.StateDict(), _step, rngs, extra, ConfigJson, Vocabularies);
        (CheckpointStore ?? throw new InvalidOperationException("no checkpoint store configured")).Save(path, snapshot);
        return path;
    }

    /// <summary>Restores weights, optimizer state, step, random generators and the data position from a checkpoint.</summary>
    public void Resume(string path) => Resume((CheckpointStore ?? throw new InvalidOperationException("no checkpoint store configured")).Load(path));

    /// <summary>Restores weights, optimizer state, step, random generators and the data position from a loaded snapshot.</summary>
    public void Resume(TrainingSnapshot ckpt)
    {
        var st = ResumeState.Parse(ckpt.Extra, ckpt.SourcePath ?? "checkpoint"); // checked before anything is changed
        _module.LoadStateDict(ckpt.Model);
        if (ckpt.Optimizer is not null) ResumeState.LoadOptimizer(_optimizer, ckpt.Optimizer, ckpt.SourcePath ?? "checkpoint");
        _step = ckpt.Step;
        if (ckpt.RngStates.TryGetValue("global", out var g)) Rng.Global.SetState(g);
        if (ckpt.RngStates.TryGetValue("sampling", out var s)) _samplingRng.SetState(s);
        var gens = _module.Generators();
        for (int i = 0; i < gens.Count; i++)
            if (ckpt.RngStates.TryGetValue($"module.{i}", out var ms)) gens[i].SetState(ms);
        _epoch = st.Epoch; _batchInEpoch = st.BatchInEpoch; _badValidations = st.BadValidations; _skipped = st.Skipped;
        _best = st.Best;
        _losses.Clear();
        _losses.AddRange(st.Losses);
    }
}
