using EncDec.Models;

namespace EncDec.Cli;

/// <summary>One-line descriptions of a model for the commands that print one (demo, train, pretrain, info).</summary>
internal static class ModelDescription
{
    /// <summary>"transformer d_model=256 heads=4 ffn=1024 layers=3+3 vocab=8000/8000" and the like.</summary>
    internal static string Describe(ModelConfig c) => c.Family switch
    {
        ModelFamily.Transformer => $"transformer d_model={c.DModel} heads={c.Heads} ffn={c.FeedForward} layers={c.EncoderLayers}+{c.DecoderLayers} vocab={c.SrcVocabSize}/{c.TgtVocabSize}",
        ModelFamily.DecoderOnly => $"decoder-only lm d_model={c.DModel} heads={c.Heads} ffn={c.FeedForward} layers={c.DecoderLayers} vocab={c.TgtVocabSize}",
        ModelFamily.SpeechToSequence => $"speech-to-sequence d_model={c.DModel} heads={c.Heads} ffn={c.FeedForward} layers={c.EncoderLayers}+{c.DecoderLayers} mels={c.Speech?.MelBins} vocab={c.TgtVocabSize}",
        ModelFamily.EncoderOnly => $"encoder-only mlm d_model={c.DModel} heads={c.Heads} ffn={c.FeedForward} layers={c.EncoderLayers} vocab={c.SrcVocabSize}",
        ModelFamily.ImageToSequence => $"image-to-sequence {Image(c)} + transformer decoder d_model={c.DModel} layers={c.DecoderLayers} vocab={c.TgtVocabSize}",
        ModelFamily.UNet => $"u-net {c.Vision?.Channels}×{c.Vision?.Height}×{c.Vision?.Width} width={c.Vision?.CnnWidth} levels={c.Vision?.CnnStages.Length + 1} classes={c.NumClasses}",
        ModelFamily.DualEncoder => $"dual encoder {Image(c)} + transformer text encoder d_model={c.DModel} layers={c.EncoderLayers} projection={c.ProjectionDim} image_pooling={c.Vision?.Pooling.ToString().ToLowerInvariant()} text_pooling={c.Vision?.TextPooling.ToString().ToLowerInvariant()} vocab={c.SrcVocabSize}",
        _ => $"rnn {c.Cell.ToString().ToLowerInvariant()} emb={c.DModel} hidden={c.HiddenSize} {(c.Bidirectional ? "bidirectional " : "")}attention={c.Attention.ToString().ToLowerInvariant()} vocab={c.SrcVocabSize}/{c.TgtVocabSize}",
    };

    private static string Image(ModelConfig c)
        => $"{c.Vision?.Encoder.ToString().ToLowerInvariant()} encoder {c.Vision?.Channels}×{c.Vision?.Height}×{c.Vision?.Width}";
}
