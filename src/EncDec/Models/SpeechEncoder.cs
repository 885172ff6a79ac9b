using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// Whisper's audio encoder: <c>conv1</c> (mels → d, kernel 3, padding 1) + GELU, <c>conv2</c> (d → d, kernel 3, stride
/// 2, padding 1) + GELU, fixed sinusoidal positions, dropout, a pre-norm Transformer encoder with a final LayerNorm.
/// Inputs are log-mel batches (N, mels, T) padded at the end; the frames past each row's length are zeroed after
/// <c>conv1</c> so that a row encodes the same alone as in any batch, and are masked as keys.
/// </summary>
public sealed class SpeechEncoder : Module
{
    public Conv1d Conv1 { get; }
    public Conv1d Conv2 { get; }
    public SinusoidalPositionalEncoding Positions { get; }
    public Dropout Dropout { get; }
    public TransformerEncoder Layers { get; }
    [NotState] public int MelBins { get; }

    public SpeechEncoder(SpeechConfig s, ModelConfig c, Rng rng)
    {
        MelBins = s.MelBins;
        Conv1 = new Conv1d(s.MelBins, c.DModel, 3, 1, 1, rng: rng);
        Conv2 = new Conv1d(c.DModel, c.DModel, 3, 2, 1, rng: rng);
        Positions = new SinusoidalPositionalEncoding(c.DModel, Math.Min(SpeechConfig.EncodedLength(s.MaxFrames), 512));
        Dropout = new Dropout(c.Dropout, rng);
        var layer = new TransformerLayerOptions(c.DModel, c.Heads, c.FeedForward, c.Dropout, Activation.Gelu, NormPosition.Pre);
        Layers = new TransformerEncoder(layer, c.EncoderLayers, finalNorm: true, rng);
    }

    /// <summary>mel (N, mels, T) with each row's true frame count → encoder output (N, ⌈T/2⌉, d) with its padding mask.</summary>
    public EncoderOutput Forward(Tensor mel, int[] frames)
    {
        if (mel.Rank != 3 || mel.Shape[1] != MelBins) throw new ArgumentException($"expected log-mel (N, {MelBins}, T), got {ShapeUtil.Format(mel.Shape)}");
        int n = mel.Shape[0], t = mel.Shape[2];
        if (frames.Length != n) throw new ArgumentException($"{frames.Length} lengths for {n} inputs");
        var h = Conv1.Forward(mel).Gelu();                                   // (N, d, T)
        if (frames.Any(f => f < t)) h = h * FrameMask(frames, t);          // (N, d, T) · (N, 1, T)
        h = Conv2.Forward(h).Gelu();                                         // (N, d, ⌈T/2⌉)
        var x = Positions.Forward(h.Transpose(1, 2).Contiguous());           // (N, S, d)
        int s = x.Shape[1];
        var lengths = frames.Select(f => Math.Min(s, SpeechConfig.EncodedLength(f))).ToArray();
        var pad = EncoderOutput.MaskFromLengths(lengths, s);                 // (N, S), 1 at padding
        var memory = Layers.Forward(Dropout.Forward(x), lengths.Any(l => l < s) ? pad : null);   // (N, S, d)
        return new EncoderOutput(memory, pad, lengths);
    }

    /// <summary>(N, 1, T): 1 on each row's first frames[i] frames, 0 after.</summary>
    private static Tensor FrameMask(int[] frames, int t)
    {
        var m = Tensor.Zeros(frames.Length, 1, t);
        var span = m.Span;
        for (int i = 0; i < frames.Length; i++) span.Slice(i * t, Math.Min(t, frames[i])).Fill(1f);
        return m;
    }
}
