using EncDec.Data;
using EncDec.Models;
using EncDec.Optim;

namespace EncDec.Training;

/// <summary>
/// Model and training sizes for the synthetic tasks that reach high accuracy within a few minutes on 2 cores:
/// a 2+2-layer d_model 128 Transformer, or an LSTM (emb 64, hidden 128, bidirectional) with Bahdanau attention;
/// Adam with linear warm-up and cosine decay, label smoothing 0.1, batches of 64. Used by <c>encdec demo</c> and the
/// accuracy benchmark.
/// </summary>
public static class Presets
{
    public sealed record SyntheticPreset(ModelConfig Config, TrainerOptions Training, BatcherOptions Batching, int TrainSize);

    /// <param name="family">Transformer or Rnn.</param>
    /// <param name="quick">A much smaller run (seconds) for smoke tests.</param>
    /// <param name="seed">Seed of initialisation, batching and sampling.</param>
    /// <param name="steps">Training steps (0 = the preset's); the cosine schedule follows it.</param>
    public static SyntheticPreset ForSyntheticTask(ModelFamily family, bool quick, int seed, long steps = 0)
    {
        var config = family == ModelFamily.Transformer
            ? new ModelConfig { Family = ModelFamily.Transformer, DModel = 128, Heads = 4, FeedForward = 256, EncoderLayers = 2, DecoderLayers = 2, Dropout = 0.1f, Seed = (ulong)seed }
            : new ModelConfig { Family = ModelFamily.Rnn, Cell = RnnCellKind.Lstm, DModel = 64, HiddenSize = 128, EncoderLayers = 1, DecoderLayers = 1,
                                Bidirectional = true, Attention = AttentionKind.Bahdanau, Dropout = 0.1f, Seed = (ulong)seed };
        if (steps <= 0) steps = quick ? 60 : 1500;
        double lr = family == ModelFamily.Transformer ? 2e-3 : 3e-3;
        var train = new TrainerOptions
        {
            MaxSteps = steps,
            Optimizer = new OptimizerOptions(OptimizerKind.Adam, lr, Beta2: 0.98),
            Schedule = new LrScheduleConfig(LrScheduleKind.Cosine, lr, WarmupSteps: quick ? 10 : 100, TotalSteps: steps, MinLr: lr * 0.02),
            LabelSmoothing = 0.1f,
            ClipNorm = 1.0,
            ValidEvery = quick ? 30 : 500,
            ValidDecodeLimit = quick ? 50 : 300,
            ValidMaxLength = 40,
            CheckpointEvery = 0,
            KeepLastCheckpoints = 2,
            LogEvery = quick ? 10 : 50,
            Seed = (ulong)seed,
        };
        var batching = new BatcherOptions { BatchSize = 64, Shuffle = true, Seed = seed };
        return new SyntheticPreset(config, train, batching, quick ? 2000 : 20000);
    }
}
