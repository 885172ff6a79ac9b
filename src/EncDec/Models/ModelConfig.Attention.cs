using EncDec.Nn.LongAttention;
using System.Text.Json.Serialization;

namespace EncDec.Models;

/// <summary>The self-attention cores of a Transformer's encoder and decoder (long inputs); omitted from JSON at their defaults.</summary>
public sealed partial record ModelConfig
{
    /// <summary>Self-attention core of the encoder layers (Transformer, encoder-only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public AttentionCoreKind EncoderAttention { get; init; }
    /// <summary>Self-attention core of the decoder layers (Transformer, decoder-only); cross-attention stays full.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public AttentionCoreKind DecoderAttention { get; init; }
    /// <summary>Block size of the chunked and sliding kernels (null = 128; linear attention uses at most 64).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? AttentionChunk { get; init; }
    /// <summary>Sliding window w (null = 256): causal keys i−w+1…i, bidirectional keys within w/2 of i.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? AttentionWindow { get; init; }
    /// <summary>Leading positions with global attention under sliding-window attention (null = 0).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? AttentionGlobalTokens { get; init; }

    /// <summary>Width k (odd) of a depthwise convolution sublayer before each encoder layer's self-attention (Transformer,
    /// encoder-only; <see cref="Nn.SequenceConv"/>): local token mixing, e.g. for a long-input retrieval; null = none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? EncoderConvKernel { get; init; }

    public AttentionCoreOptions EncoderAttentionOptions() => CoreOptions(EncoderAttention);
    public AttentionCoreOptions DecoderAttentionOptions() => CoreOptions(DecoderAttention);

    private AttentionCoreOptions CoreOptions(AttentionCoreKind kind)
        => new(kind, AttentionChunk ?? 128, AttentionWindow ?? 256, AttentionGlobalTokens ?? 0);

    private void ValidateAttentionCores(string source)
    {
        void Need(bool ok, string msg) { if (!ok) throw new UserInputException($"{source}: {msg}"); }
        bool enc = EncoderAttention != AttentionCoreKind.Full, dec = DecoderAttention != AttentionCoreKind.Full;
        Need(!(enc || dec) || Family != ModelFamily.Rnn,
             "encoder_attention / decoder_attention choose a Transformer's self-attention; an RNN model has none (use attention for the RNN decoder)");
        Need(!enc || Family != ModelFamily.DecoderOnly, "encoder_attention: a decoder-only model has no encoder; use decoder_attention");
        Need(!dec || Family != ModelFamily.EncoderOnly, "decoder_attention: an encoder-only model has no decoder; use encoder_attention");
        Need(AttentionChunk is null or > 0, $"attention_chunk must be positive, got {AttentionChunk}");
        Need(AttentionWindow is null or > 0, $"attention_window must be positive, got {AttentionWindow}");
        Need(AttentionGlobalTokens is null or >= 0, $"attention_global_tokens must be ≥ 0, got {AttentionGlobalTokens}");
        Need(AttentionWindow is null || EncoderAttention == AttentionCoreKind.Sliding || DecoderAttention == AttentionCoreKind.Sliding,
             "attention_window applies to sliding attention only (set encoder_attention or decoder_attention to sliding)");
        Need(AttentionGlobalTokens is null or 0 || EncoderAttention == AttentionCoreKind.Sliding || DecoderAttention == AttentionCoreKind.Sliding,
             "attention_global_tokens applies to sliding attention only (set encoder_attention or decoder_attention to sliding)");
        Need(EncoderConvKernel is null || (EncoderConvKernel is >= 1 and <= 63 && EncoderConvKernel % 2 == 1), $"encoder_conv_kernel must be odd, 1 to 63, got {EncoderConvKernel}");
        Need(EncoderConvKernel is null || Family is ModelFamily.Transformer or ModelFamily.EncoderOnly,
             "encoder_conv_kernel applies to the encoder of a text Transformer or encoder-only model");
        Need(AttentionChunk is null || enc || dec, "attention_chunk applies to chunked, sliding or linear attention only");
    }
}
