using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>A <see cref="SpeechToSequenceModel"/> bound to log-mels (N, mels, T); the generator's source of row i is [i].</summary>
public sealed class AudioSequenceSource(SpeechToSequenceModel model, Tensor mel, int[] frames) : ISeq2SeqModel, IOptionalAttention
{
    public int TargetVocabSize => model.TargetVocabSize;
    public bool NeedAttention { get => model.NeedAttention; set => model.NeedAttention = value; }

    /// <summary>The sources to pass to the generator: [0], [1], … [N − 1].</summary>
    public IReadOnlyList<int[]> Sources => Enumerable.Range(0, mel.Shape[0]).Select(i => new[] { i }).ToArray();

    public EncoderOutput Encode(IndexTensor source, int[] lengths)
    {
        var rows = new int[source.Shape[0]];
        int width = source.Shape[1];
        for (int b = 0; b < rows.Length; b++) rows[b] = source.Data[b * width];
        var batch = Autograd.F.IndexSelect(mel, 0, new IndexTensor(rows, rows.Length));   // (B, mels, T)
        return model.EncodeAudio(batch, rows.Select(r => frames[r]).ToArray());
    }

    public IDecoderState InitialState(EncoderOutput encoder) => model.InitialState(encoder);
    public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state) => model.DecodeStep(tokens, position, encoder, state);
}
