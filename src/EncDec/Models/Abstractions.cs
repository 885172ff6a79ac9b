using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// What an encoder hands to a decoder: the memory (B, S, H), the source padding mask (B, S) with 1 at
/// padding, the true source lengths, and optional model-specific extras (e.g. an RNN's final states or
/// precomputed attention keys). Immutable; <see cref="Select"/> gathers batch rows (beam expansion/reordering).
/// </summary>
public sealed class EncoderOutput
{
    /// <summary>(B, S, H) encoder states.</summary>
    public Tensor Memory { get; }
    /// <summary>(B, S): 1 where the source position is padding, 0 elsewhere.</summary>
    public Tensor PaddingMask { get; }
    public int[] Lengths { get; }
    /// <summary>Batch-major tensors an encoder wants to pass on (each with batch in dim <see cref="ExtraBatchDims"/>).</summary>
    public IReadOnlyList<Tensor> Extras { get; }
    /// <summary>The batch dimension of each tensor in <see cref="Extras"/>.</summary>
    public IReadOnlyList<int> ExtraBatchDims { get; }

    public EncoderOutput(Tensor memory, Tensor paddingMask, int[] lengths, IReadOnlyList<Tensor>? extras = null, IReadOnlyList<int>? extraBatchDims = null)
    {
        Memory = memory; PaddingMask = paddingMask; Lengths = lengths;
        Extras = extras ?? Array.Empty<Tensor>();
        ExtraBatchDims = extraBatchDims ?? Extras.Select(_ => 0).ToArray();
        if (ExtraBatchDims.Count != Extras.Count) throw new ArgumentException("one batch dim per extra tensor");
    }

    public int BatchSize => Memory.Shape[0];
    public int SourceLength => Memory.Shape[1];

    /// <summary>Rows <paramref name="rows"/> of the batch, in that order (rows may repeat).</summary>
    public EncoderOutput Select(int[] rows)
    {
        var idx = new IndexTensor(rows, rows.Length);
        return new EncoderOutput(
            F.IndexSelect(Memory, 0, idx),
            F.IndexSelect(PaddingMask, 0, idx),
            rows.Select(r => Lengths[r]).ToArray(),
            Extras.Select((t, i) => F.IndexSelect(t, ExtraBatchDims[i], idx)).ToArray(),
            ExtraBatchDims);
    }

    /// <summary>Padding mask (B, S) from lengths: 1 at positions ≥ length.</summary>
    public static Tensor MaskFromLengths(int[] lengths, int maxLen)
    {
        var m = Tensor.Zeros(lengths.Length, maxLen);
        var s = m.Span;
        for (int b = 0; b < lengths.Length; b++)
            for (int t = lengths[b]; t < maxLen; t++) s[b * maxLen + t] = 1f;
        return m;
    }
}

/// <summary>
/// A decoder's incremental state between steps (cached keys/values, recurrent states). Passed in and
/// returned by <see cref="IDecoder.Step"/>, never hidden in a layer.
/// </summary>
public interface IDecoderState
{
    /// <summary>The state of batch rows <paramref name="rows"/> (for beam search reordering).</summary>
    IDecoderState Select(int[] rows);

    /// <summary>
    /// Every tensor this state holds, so that a caller freeing per-step temporaries with a <see cref="TensorScope"/>
    /// can keep them (state kept outside any scope may be listed too). Null (the default) when unknown: the caller
    /// must then not free anything allocated during a step. A state type that lists its tensors must always do so.
    /// </summary>
    IEnumerable<Tensor>? Tensors => null;
}

/// <summary>
/// A model (or decoder) whose attention over the source costs extra work and is computed only on request: a
/// Transformer decoder returns its last layer's cross-attention averaged over heads when <see cref="NeedAttention"/>
/// is set. Training leaves it off; generation with <c>ReturnAttention</c> turns it on for the call. RNN decoders
/// compute attention anyway and need not implement this.
/// </summary>
public interface IOptionalAttention
{
    /// <summary>Whether decoding (teacher-forced and incremental) returns attention over the source.</summary>
    bool NeedAttention { get; set; }
}

/// <summary>Decoder output for a span of target positions.</summary>
/// <param name="Hidden">(B, T, H) states fed to the generator.</param>
/// <param name="Attention">(B, T, S) attention over the source, when the decoder has it.</param>
public sealed record DecoderOutput(Tensor Hidden, Tensor? Attention);

/// <summary>Maps embedded source tokens (B, S, E) to an <see cref="EncoderOutput"/>.</summary>
public interface IEncoder
{
    EncoderOutput Forward(Tensor embedded, int[] lengths);
}

/// <summary>A decoder usable both teacher-forced (whole target at once) and incrementally (one step).</summary>
public interface IDecoder
{
    /// <summary>Teacher-forced: embedded target inputs (B, T, E) → hidden states (B, T, H).</summary>
    DecoderOutput Forward(Tensor embedded, EncoderOutput encoder);

    /// <summary>State before the first step.</summary>
    IDecoderState InitialState(EncoderOutput encoder);

    /// <summary>One step: embedded inputs (B, 1, E) → hidden (B, 1, H) and the next state.</summary>
    (DecoderOutput Output, IDecoderState Next) Step(Tensor embeddedStep, EncoderOutput encoder, IDecoderState state);

    /// <summary>
    /// <see cref="Step(Tensor, EncoderOutput, IDecoderState)"/> that returns attention over the source (B, 1, S) when
    /// <paramref name="withAttention"/> is set; a decoder that computes it anyway (RNN) ignores the argument.
    /// </summary>
    (DecoderOutput Output, IDecoderState Next) Step(Tensor embeddedStep, EncoderOutput encoder, IDecoderState state, bool withAttention)
        => Step(embeddedStep, encoder, state);
}

/// <summary>Token embedding that knows positions (a Transformer adds positional encodings; an RNN ignores them).</summary>
public interface ITokenEmbedding
{
    /// <summary>ids (B, T) → (B, T, E); <paramref name="positionOffset"/> is the position of the first column.</summary>
    Tensor Forward(IndexTensor ids, int positionOffset = 0);
}

/// <summary>Result of one decoding step of a whole model.</summary>
/// <param name="Logits">(B, V) unnormalised scores of the next token.</param>
/// <param name="Attention">(B, S) attention over the source, if the model has it.</param>
/// <param name="Next">The decoder state after this step.</param>
public sealed record StepResult(Tensor Logits, Tensor? Attention, IDecoderState Next);

/// <summary>
/// What generation needs from a model: encode a source batch once, then decode step by step.
/// Implemented by <see cref="EncoderDecoder"/> and by decoder-only language models.
/// </summary>
public interface ISeq2SeqModel
{
    int TargetVocabSize { get; }
    /// <summary>Source ids (B, S) with true lengths → encoder output.</summary>
    EncoderOutput Encode(IndexTensor source, int[] lengths);
    IDecoderState InitialState(EncoderOutput encoder);
    /// <summary>Feeds tokens (B) at target position <paramref name="position"/> and returns next-token logits (B, V).</summary>
    StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state);

    /// <summary>
    /// <see cref="DecodeStep(int[], int, EncoderOutput, IDecoderState)"/> with attention over the source on request: the
    /// request is an argument, never a flag set on the shared model, so concurrent decodes on one model stay independent.
    /// A model that has attention anyway (or none) may ignore it.
    /// </summary>
    StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state, bool withAttention)
        => DecodeStep(tokens, position, encoder, state);
}

/// <summary>A model trained with teacher forcing: full target inputs → logits for every target position.</summary>
public interface ITeacherForcedModel : ISeq2SeqModel
{
    /// <summary>Source (B, S) with lengths and target inputs (B, T) → logits (B, T, V) and attention (B, T, S) if any.</summary>
    (Tensor Logits, Tensor? Attention) Forward(IndexTensor source, int[] sourceLengths, IndexTensor targetInputs);
}
