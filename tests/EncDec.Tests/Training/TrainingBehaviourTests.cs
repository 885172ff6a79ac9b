using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Tests.Models;
using EncDec.Training;
using Xunit;
using Xunit.Abstractions;

namespace EncDec.Tests.Training;

/// <summary>
/// Trainer behaviour on real models: exact resume from a checkpoint (dropout and scheduled sampling on), scheduled
/// sampling really feeding predictions, and non-finite losses being reported and skipped.
/// </summary>
[Collection(LearningCollection.Name)]
public sealed class TrainingBehaviourTests(ITestOutputHelper output)
{
    private static ModelConfig ResumeConfig(bool rnn) => rnn
        ? ModelTestKit.Lstm(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, emb: 16, hidden: 24, dropout: 0.2f, seed: 3) with { DecoderLayers = 2 }
        : ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 16, heads: 2, ffn: 32, layers: 1, dropout: 0.2f, seed: 3);

    private static TrainerOptions ResumeOptions(long steps) => ModelTestKit.Options(steps, lr: 3e-3, warmup: 4) with
    {
        ScheduledSampling = new ScheduledSamplingOptions(SamplingDecay.Linear, K: 1.0, C: 0.06, MinGoldProbability: 0.2),
        CheckpointEvery = 5,
        KeepLastCheckpoints = 5,
    };

    private static Trainer NewTrainer(ModelConfig config, TrainerOptions options, IReadOnlyList<Example> train, string runDir, List<(long Step, double Loss)> log)
    {
        var t = new Trainer(ModelFactory.Build(config), options, train, null, new BatcherOptions { BatchSize = 16, Shuffle = true })
        {
            RunDirectory = runDir,
            CheckpointStore = SafeTensorsCheckpointStore.Instance,
            ConfigJson = config.ToJson(),
        };
        t.StepCompleted += s => log.Add((s.Step, s.Loss));
        return t;
    }

    /// <summary>
    /// 14 steps straight vs. 5 steps, a checkpoint, and a fresh trainer resumed from it: steps 6–14 have bit-identical
    /// losses and the final weights are bit-identical. The 100 examples are 7 batches, so the run crosses epochs.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Resume_RepeatsUninterruptedRunExactly(bool rnn)
    {
        const int n = 14, k = 5;
        var (train, _) = ModelTestKit.SymbolTask(SyntheticTask.Reverse, 100, 1, seed: 5);
        var config = ResumeConfig(rnn);
        using var dirA = new TempDir();
        using var dirB = new TempDir();

        var full = new List<(long, double)>();
        var a = NewTrainer(config, ResumeOptions(n), train, dirA.Path, full);
        var resultA = a.Train();

        var first = new List<(long, double)>();
        NewTrainer(config, ResumeOptions(k), train, dirB.Path, first).Train();
        var ckpt = Path.Combine(dirB.Path, "checkpoints", $"step_{k:D8}.safetensors");
        Assert.True(File.Exists(ckpt));
        var second = new List<(long, double)>();
        var b = NewTrainer(config, ResumeOptions(n), train, dirB.Path, second);
        b.Resume(ckpt);
        Assert.Equal(k, b.Step);
        var resultB = b.Train();

        Assert.Equal(full.Take(k), first);
        Assert.Equal(Enumerable.Range(k + 1, n - k).Select(i => (long)i), second.Select(s => s.Item1));
        for (int i = 0; i < n - k; i++)
            Assert.True(full[k + i].Item2.Equals(second[i].Item2), $"step {k + i + 1}: {full[k + i].Item2:R} vs resumed {second[i].Item2:R}");
        Assert.Equal(resultA.Losses, resultB.Losses);
        // dropout was really on: a run without dropout has different losses
        var noDrop = new List<(long, double)>();
        using var dirC = new TempDir();
        NewTrainer(config with { Dropout = 0f }, ResumeOptions(2), train, dirC.Path, noDrop).Train();
        Assert.NotEqual(full[1].Item2, noDrop[1].Item2);

        var wa = ((Module)ModelStore.Load(Path.Combine(dirA.Path, "checkpoints", $"step_{n:D8}.safetensors")).Model).StateDict();
        var wb = ((Module)ModelStore.Load(Path.Combine(dirB.Path, "checkpoints", $"step_{n:D8}.safetensors")).Model).StateDict();
        foreach (var (name, t) in wa) Assert.True(t.ToArray().AsSpan().SequenceEqual(wb[name].ToArray()), $"weights {name} differ after resume");
    }

    /// <summary>Wraps a model and records the target inputs and argmax predictions of every teacher-forced call.</summary>
    private sealed class RecordingModel(EncoderDecoder inner) : Module, ITeacherForcedModel
    {
        public EncoderDecoder Inner { get; } = inner;
        [NotState] public List<(int[] Inputs, int[] Predicted, int T)> Calls { get; } = new();
        public int TargetVocabSize => Inner.TargetVocabSize;
        public EncoderOutput Encode(IndexTensor source, int[] lengths) => Inner.Encode(source, lengths);
        public IDecoderState InitialState(EncoderOutput encoder) => Inner.InitialState(encoder);
        public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state) => Inner.DecodeStep(tokens, position, encoder, state);

        public (Tensor Logits, Tensor? Attention) Forward(IndexTensor source, int[] sourceLengths, IndexTensor targetInputs)
        {
            var r = Inner.Forward(source, sourceLengths, targetInputs);
            Calls.Add(((int[])targetInputs.Data.Clone(), r.Logits.ArgMax(-1).Data, targetInputs.Shape[1]));   // (B·T), (B·T)
            return r;
        }
    }

    /// <summary>
    /// Linear decay from gold probability 1 to 0 over 150 steps: the reported fraction of fed predictions tracks
    /// 1 − ε (window means within 0.1), is 0 at ε = 1, and the second (training) pass really receives the first pass's
    /// predictions at the replaced positions (and gold tokens elsewhere).
    /// </summary>
    [Fact]
    public void ScheduledSampling_FeedsPredictionsAtOneMinusGoldRate()
    {
        const int n = 150;
        var (train, _) = ModelTestKit.SymbolTask(SyntheticTask.Copy, 400, 1, seed: 6);
        var config = ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 16, heads: 2, ffn: 32, layers: 1);
        var model = new RecordingModel((EncoderDecoder)ModelFactory.Build(config));
        var options = ModelTestKit.Options(n, lr: 3e-3) with { ScheduledSampling = new ScheduledSamplingOptions(SamplingDecay.Linear, K: 1.0, C: 1.0 / n) };
        var trainer = new Trainer(model, options, train, null, new BatcherOptions { BatchSize = 32, Shuffle = true });
        var steps = new List<StepInfo>();
        var callsPerStep = new List<int>();
        trainer.StepCompleted += s => { steps.Add(s); callsPerStep.Add(model.Calls.Count); };
        trainer.Train();

        Assert.Equal(n, steps.Count);
        Assert.Equal(1.0, steps[0].GoldProbability);
        Assert.Equal(0.0, steps[0].FedPredictionFraction);
        Assert.Equal(1, callsPerStep[0]);             // gold probability 1: one plain teacher-forced pass
        for (int w = 0; w < n; w += 25)
        {
            var win = steps.Skip(w).Take(25).ToList();
            double expected = win.Average(s => 1 - s.GoldProbability), actual = win.Average(s => s.FedPredictionFraction);
            output.WriteLine($"steps {w + 1}-{w + 25}: 1-gold {expected:F3}, fed {actual:F3}");
            Assert.InRange(actual, expected - 0.1, expected + 0.1);
        }
        Assert.True(steps[^1].FedPredictionFraction > 0.9);

        // Check the mixing itself on every two-pass step: calls (2i-1, 2i) are (gold pass, mixed training pass).
        int changed = 0, agreeWithPrediction = 0;
        int prev = 0;
        for (int i = 0; i < n; i++)
        {
            int calls = callsPerStep[i] - prev; prev = callsPerStep[i];
            if (steps[i].GoldProbability >= 1.0) { Assert.Equal(1, calls); continue; }
            Assert.Equal(2, calls);
            var (gold, predicted, t) = model.Calls[callsPerStep[i] - 2];     // TgtIn (B, T) row-major
            var (mixed, _, _) = model.Calls[callsPerStep[i] - 1];
            Assert.Equal(gold.Length, mixed.Length);
            for (int j = 0; j < gold.Length; j++)
            {
                if (mixed[j] == gold[j]) continue;
                changed++;
                int col = j % t;
                Assert.True(col > 0 && gold[j] != 0, "BOS and padding must never be replaced");
                Assert.Equal(predicted[j - 1], mixed[j]);   // the prediction for position t−1's next token
                agreeWithPrediction++;
            }
        }
        Assert.True(changed > 0);
        Assert.Equal(changed, agreeWithPrediction);
    }

    /// <summary>
    /// A NaN in the output bias during step 3 gives a NaN loss: the Warning event names step 3 and the batch, the step is
    /// reported as skipped, the parameters (and optimizer) are untouched by it, and training then continues normally.
    /// </summary>
    [Fact]
    public void NonFiniteLoss_IsReportedSkippedAndTrainingContinues()
    {
        var (train, _) = ModelTestKit.SymbolTask(SyntheticTask.Copy, 200, 1, seed: 7);
        var config = ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 16, heads: 2, ffn: 32, layers: 1, dropout: 0.1f);
        var model = (EncoderDecoder)ModelFactory.Build(config);
        var trainer = new Trainer(model, ModelTestKit.Options(8, lr: 3e-3, warmup: 2), train, null, new BatcherOptions { BatchSize = 16 });
        var warnings = new List<string>();
        var steps = new List<StepInfo>();
        trainer.Warning += warnings.Add;
        var bias = model.Generator.Bias!;
        Dictionary<string, float[]>? before = null, afterSkipped = null;
        long optimizerStepsBefore = 0, optimizerStepsAfter = 0;
        trainer.StepCompleted += s =>
        {
            steps.Add(s);
            if (s.Step == 2)
            {
                before = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
                optimizerStepsBefore = trainer.Optimizer.StepCount;
                bias.Span[6] = float.NaN;          // poison step 3
            }
            else if (s.Step == 3)
            {
                bias.Span[6] = before!["generator.bias"][6];
                afterSkipped = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
                optimizerStepsAfter = trainer.Optimizer.StepCount;
            }
        };
        var result = trainer.Train();

        Assert.Equal(8, result.Steps);
        Assert.Equal(1, result.SkippedSteps);
        var w = Assert.Single(warnings);
        output.WriteLine(w);
        Assert.Contains("step 3", w);
        Assert.Contains("batch", w);
        Assert.Contains("skipped", w);
        Assert.True(steps[2].Skipped);
        Assert.True(double.IsNaN(steps[2].Loss));
        Assert.All(steps.Where(s => s.Step != 3), s => { Assert.False(s.Skipped); Assert.True(double.IsFinite(s.Loss)); });
        Assert.Equal(optimizerStepsBefore, optimizerStepsAfter);
        foreach (var (name, v) in before!) Assert.True(v.AsSpan().SequenceEqual(afterSkipped![name]), $"{name} changed on the skipped step");
        // training went on: later steps changed the weights
        var final = model.StateDict();
        Assert.Contains(before!, kv => !kv.Value.AsSpan().SequenceEqual(final[kv.Key].ToArray()));
        Assert.Equal(7, result.Losses.Count);
    }
}
