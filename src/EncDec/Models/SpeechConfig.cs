namespace EncDec.Models;

/// <summary>
/// The audio side of a speech model (<see cref="ModelConfig.Speech"/>): the mel channels of its input (the log-mel
/// front end's bands) and the most mel frames one input may have (the encoder's position table holds half that).
/// </summary>
public sealed record SpeechConfig
{
    public int MelBins { get; init; } = 80;
    /// <summary>The longest input in mel frames (100 per second); 3,000 is Whisper's 30 s window.</summary>
    public int MaxFrames { get; init; } = 3000;
    /// <summary>
    /// Adds a CTC head (<c>ctc_head</c>: a linear layer d → target vocabulary over the encoder output, the vocabulary's
    /// PAD id as the blank) for an auxiliary CTC loss in training and CTC greedy decoding.
    /// </summary>
    public bool Ctc { get; init; }

    /// <summary>Encoder positions of an input of <paramref name="frames"/> mel frames (the second convolution has stride 2).</summary>
    public static int EncodedLength(int frames) => (frames + 1) / 2;

    internal void Validate(Action<bool, string> need)
    {
        need(MelBins is > 0 and <= 1024, $"speech mel_bins must be in [1, 1024], got {MelBins}");
        need(MaxFrames is > 0 and <= 1 << 20, $"speech max_frames must be in [1, 1048576], got {MaxFrames}");
    }
}
