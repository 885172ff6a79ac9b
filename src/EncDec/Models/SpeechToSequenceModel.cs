using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// Whisper-style speech-to-text: a <see cref="SpeechEncoder"/> over log-mel frames whose states are the memory of the
/// existing Transformer decoder (cross-attention), then the output layer. Decode it with the existing generator
/// through <see cref="ForAudio"/>.
/// </summary>
public sealed class SpeechToSequenceModel : Module, IOptionalAttention
{
    public SpeechEncoder Encoder { get; }
    public TransformerEmbedding TgtEmbed { get; }
    public TransformerDecoderPart Decoder { get; }
    public Linear Generator { get; }
    /// <summary>The optional CTC head over the encoder output (d → target vocabulary); null without <see cref="SpeechConfig.Ctc"/>.</summary>
    public Linear? CtcHead { get; }

    public SpeechToSequenceModel(SpeechEncoder encoder, TransformerEmbedding tgtEmbed, TransformerDecoderPart decoder, Linear generator, Linear? ctcHead = null)
    {
        Encoder = encoder; TgtEmbed = tgtEmbed; Decoder = decoder; Generator = generator; CtcHead = ctcHead;
    }

    public int TargetVocabSize => Generator.OutFeatures;
    public int MelBins => Encoder.MelBins;
    public bool NeedAttention { get => Decoder.NeedAttention; set => Decoder.NeedAttention = value; }

    /// <summary>Log-mel batch (N, mels, T) and each row's frame count → encoder output (N, ⌈T/2⌉, d).</summary>
    public EncoderOutput EncodeAudio(Tensor mel, int[] frames) => Encoder.Forward(mel, frames);

    /// <summary>Teacher-forced: mel (N, mels, T), frames, target inputs (N, L) → logits (N, L, V).</summary>
    public Tensor Forward(Tensor mel, int[] frames, IndexTensor targetInputs) => Forward(EncodeAudio(mel, frames), targetInputs);

    /// <summary>Teacher-forced over an encoder output already computed: target inputs (N, L) → logits (N, L, V).</summary>
    public Tensor Forward(EncoderOutput enc, IndexTensor targetInputs)
    {
        var dec = Decoder.Forward(TgtEmbed.Forward(targetInputs), enc);     // (N, L, d)
        return Generator.Forward(dec.Hidden);                               // (N, L, V)
    }

    /// <summary>
    /// Teacher-forced with the CTC head: logits (N, L, V) of the decoder, CTC logits (N, S, V) of the encoder and each
    /// row's encoder length S_i (the CTC input lengths).
    /// </summary>
    public (Tensor Logits, Tensor CtcLogits, int[] Lengths) ForwardWithCtc(Tensor mel, int[] frames, IndexTensor targetInputs)
    {
        var enc = EncodeAudio(mel, frames);
        var (ctcLogits, lengths) = CtcLogits(enc);
        return (Forward(enc, targetInputs), ctcLogits, lengths);            // (N, L, V), (N, S, V)
    }

    /// <summary>CTC logits (N, S, V) of a log-mel batch and each row's encoder length.</summary>
    public (Tensor CtcLogits, int[] Lengths) CtcLogits(Tensor mel, int[] frames) => CtcLogits(EncodeAudio(mel, frames));

    /// <summary>CTC logits (N, S, V) of an encoder output already computed, and each row's encoder length.</summary>
    public (Tensor CtcLogits, int[] Lengths) CtcLogits(EncoderOutput enc)
    {
        var head = CtcHead ?? throw new InvalidOperationException("this speech model has no CTC head (speech.ctc: true)");
        return (head.Forward(enc.Memory), enc.Lengths);                    // (N, S, d) → (N, S, V)
    }

    public IDecoderState InitialState(EncoderOutput encoder) => Decoder.InitialState(encoder);

    public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state)
    {
        var ids = new IndexTensor(tokens, tokens.Length, 1);                // (B, 1)
        var (output, next) = Decoder.Step(TgtEmbed.Forward(ids, position), encoder, state);
        var logits = Generator.Forward(output.Hidden).Reshape(tokens.Length, -1);   // (B, V)
        return new StepResult(logits, output.Attention?.Reshape(tokens.Length, -1), next);   // attention (B, S)
    }

    /// <summary>This model as an <see cref="ISeq2SeqModel"/> over a padded log-mel batch; sources are [clip index].</summary>
    public AudioSequenceSource ForAudio(Tensor mel, int[] frames) => new(this, mel, frames);
}
