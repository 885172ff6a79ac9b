using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>An <see cref="ImageToSequenceModel"/> bound to images (N, C, H, W); a source is its image index (repeated S times).</summary>
public sealed class ImageSequenceSource(ImageToSequenceModel model, Tensor images) : ISeq2SeqModel, IOptionalAttention
{
    public int TargetVocabSize => model.TargetVocabSize;
    public bool NeedAttention { get => model.NeedAttention; set => model.NeedAttention = value; }

    /// <summary>
    /// The sources to pass to the generator: row i is the image index i repeated once per memory position (S), so the
    /// generator's per-source lengths are the number of image regions and returned attention rows keep all S of them.
    /// </summary>
    public IReadOnlyList<int[]> Sources => Enumerable.Range(0, images.Shape[0]).Select(i => Enumerable.Repeat(i, model.Encoder.SequenceLength).ToArray()).ToArray();

    public EncoderOutput Encode(IndexTensor source, int[] lengths)
    {
        var rows = new int[source.Shape[0]];
        int width = source.Shape[1];
        for (int b = 0; b < rows.Length; b++) rows[b] = source.Data[b * width];
        var batch = Autograd.F.IndexSelect(images, 0, new IndexTensor(rows, rows.Length));   // (B, C, H, W)
        return model.EncodeImages(batch);
    }

    public IDecoderState InitialState(EncoderOutput encoder) => model.InitialState(encoder);
    public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state) => model.DecodeStep(tokens, position, encoder, state);
    public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state, bool withAttention)
        => model.DecodeStep(tokens, position, encoder, state, withAttention);
}
