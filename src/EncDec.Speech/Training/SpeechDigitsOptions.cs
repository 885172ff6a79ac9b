using EncDec.Speech.Audio;

namespace EncDec.Speech.Training;

/// <summary>Settings of one spoken-digits run (<see cref="SpeechDigitsRecipe"/>); the defaults are the demo's.</summary>
public sealed record SpeechDigitsOptions
{
    public int Steps { get; init; } = 3000;
    public double MaxMinutes { get; init; }
    public int Seed { get; init; } = 1;
    /// <summary>A tiny model and 20 steps (tests).</summary>
    public bool Quick { get; init; }
    public int DModel { get; init; } = 96;
    public int EncoderLayers { get; init; } = 3;
    public int DecoderLayers { get; init; } = 2;
    public int BatchSize { get; init; } = 32;
    public double Lr { get; init; } = 2e-3;
    public int Warmup { get; init; } = 100;
    /// <summary>Weight of the auxiliary CTC loss (0 = no CTC head).</summary>
    public double CtcWeight { get; init; } = 0.3;
    public SpecAugment Augment { get; init; } = new() { FrequencyMasks = 2, MaxFrequencyWidth = 8, TimeMasks = 2, MaxTimeWidth = 8, MaxTimeFraction = 0.1 };
    /// <summary>The chance that a training utterance is two clips joined (at most four digits together).</summary>
    public double ConcatChance { get; init; } = 0.5;
    /// <summary>Speed perturbation: the shipped training clips are also read as if recorded at these rate factors (tempo and pitch × f); quick runs use 1 only.</summary>
    public IReadOnlyList<double> SpeedFactors { get; init; } = [0.9, 1.0, 1.1];
    /// <summary>Vocal-tract-length-style warping of the training log-mels.</summary>
    public FrequencyWarp Warp { get; init; } = new() { MaxWarp = 0.1 };
    /// <summary>Batches drawn together and split by length (<see cref="SpeechDigitsSampler"/>; 1 = plain random batches).</summary>
    public int BucketBatches { get; init; } = 8;
    /// <summary>Clips of a folder made by <c>make_speech_digits.py</c> (its <c>train.tsv</c>) added to the shipped training clips (null = none).</summary>
    public string? ExtraTrainFolder { get; init; }
    /// <summary>Beam of the decoder for joint CTC/attention decoding (with a CTC head).</summary>
    public int Beam { get; init; } = 8;
    /// <summary>λ of joint CTC/attention decoding: (1 − λ)·attention + λ·CTC (with a CTC head).</summary>
    public double DecodeCtcWeight { get; init; } = 0.3;
}
