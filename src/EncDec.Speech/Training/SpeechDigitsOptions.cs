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
    public double CtcWeight { get; init; }
    public SpecAugment Augment { get; init; } = new() { FrequencyMasks = 2, MaxFrequencyWidth = 8, TimeMasks = 2, MaxTimeWidth = 8, MaxTimeFraction = 0.1 };
    /// <summary>The chance that a training utterance is two clips joined (at most four digits together).</summary>
    public double ConcatChance { get; init; } = 0.5;
}
