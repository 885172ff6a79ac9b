namespace EncDec.Speech.Training;

/// <summary>Settings of a speech-to-text training run (Adam, linear warm-up then cosine decay to 5%).</summary>
public sealed record SpeechTrainOptions
{
    public int Steps { get; init; } = 2000;
    public int BatchSize { get; init; } = 32;
    public double Lr { get; init; } = 2e-3;
    public int Warmup { get; init; } = 100;
    public double ClipNorm { get; init; } = 1.0;
    public float LabelSmoothing { get; init; }
    /// <summary>
    /// Weight λ of the auxiliary CTC loss on the encoder (needs a model with a CTC head): the loss is
    /// (1 − λ)·cross-entropy + λ·CTC, so 0 trains the decoder alone and 1 the CTC head alone.
    /// </summary>
    public double CtcWeight { get; init; }
    /// <summary>Stop early after this many minutes (0 = no limit).</summary>
    public double MaxMinutes { get; init; }
}
