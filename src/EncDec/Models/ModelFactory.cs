using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Builds every model from one <see cref="ModelConfig"/>; parameter initialisation is seeded by the config.</summary>
public static class ModelFactory
{
    /// <summary>Any model of the config's family, as a bare module; prefer the typed builders below.</summary>
    public static Module Build(ModelConfig config)
    {
        config.Validate();
        var rng = new Rng(config.Seed);
        return config.Family switch
        {
            ModelFamily.Transformer => BuildTransformer(config, rng),
            ModelFamily.Rnn => BuildRnn(config, rng),
            ModelFamily.EncoderOnly => new EncoderOnlyModel(config, rng),
            ModelFamily.DecoderOnly => new DecoderOnlyLm(config, rng),
            ModelFamily.ImageToSequence => BuildImageToSequence(config, rng),
            ModelFamily.UNet => new UNet(config.Vision!, config.NumClasses, rng),
            ModelFamily.DualEncoder => new DualEncoder(config, rng),
            ModelFamily.SpeechToSequence => BuildSpeechToSequence(config, rng),
            _ => throw new ArgumentOutOfRangeException(nameof(config)),
        };
    }

    /// <summary>An encoder-decoder (Transformer or RNN family).</summary>
    public static EncoderDecoder BuildSeq2Seq(ModelConfig config)
    {
        config.Validate();
        var rng = new Rng(config.Seed);
        return config.Family switch
        {
            ModelFamily.Transformer => BuildTransformer(config, rng),
            ModelFamily.Rnn => BuildRnn(config, rng),
            _ => throw new ArgumentException($"a {config.Family} model is not an encoder-decoder; use {BuilderFor(config.Family)}", nameof(config)),
        };
    }

    /// <summary>A model the seq2seq <c>Trainer</c> trains: an encoder-decoder or a decoder-only language model.</summary>
    public static Seq2SeqModule BuildTrainable(ModelConfig config)
        => config.Family == ModelFamily.DecoderOnly ? BuildLanguageModel(config) : BuildSeq2Seq(config);

    /// <summary>A decoder-only causal language model (family <see cref="ModelFamily.DecoderOnly"/>).</summary>
    public static DecoderOnlyLm BuildLanguageModel(ModelConfig config)
    {
        config.Validate();
        if (config.Family != ModelFamily.DecoderOnly) throw new ArgumentException($"a {config.Family} model is not a language model; use {BuilderFor(config.Family)}", nameof(config));
        return new DecoderOnlyLm(config, new Rng(config.Seed));
    }

    /// <summary>An encoder-only masked language model (family <see cref="ModelFamily.EncoderOnly"/>).</summary>
    public static EncoderOnlyModel BuildMaskedLm(ModelConfig config)
    {
        config.Validate();
        if (config.Family != ModelFamily.EncoderOnly) throw new ArgumentException($"a {config.Family} model is not a masked language model; use {BuilderFor(config.Family)}", nameof(config));
        return new EncoderOnlyModel(config, new Rng(config.Seed));
    }

    /// <summary>A CLIP-style dual encoder (family <see cref="ModelFamily.DualEncoder"/>).</summary>
    public static DualEncoder BuildDualEncoder(ModelConfig config)
    {
        config.Validate();
        if (config.Family != ModelFamily.DualEncoder) throw new ArgumentException($"a {config.Family} model is not a dual encoder; use {BuilderFor(config.Family)}", nameof(config));
        return new DualEncoder(config, new Rng(config.Seed));
    }

    private static string BuilderFor(ModelFamily family) => family switch
    {
        ModelFamily.DecoderOnly => nameof(BuildLanguageModel),
        ModelFamily.EncoderOnly => nameof(BuildMaskedLm),
        ModelFamily.DualEncoder => nameof(BuildDualEncoder),
        _ => nameof(BuildSeq2Seq),
    };

    /// <summary>
    /// The Transformer of "Attention Is All You Need" (post-norm by default; pre-norm adds final norms). The encoder and
    /// decoder stacks are initialised like PyTorch's <c>nn.Transformer</c> (<see cref="TransformerInit.XavierReset"/>).
    /// A post-norm model gets <c>nn.Transformer</c>'s final encoder/decoder LayerNorms only with <see cref="ModelConfig.FinalNorm"/>.
    /// </summary>
    public static EncoderDecoder BuildTransformer(ModelConfig c, Rng rng)
    {
        var layer = new TransformerLayerOptions(c.DModel, c.Heads, c.FeedForward, c.Dropout, c.Activation, c.Norm);
        var srcTok = ScaledEmbedding(c.SrcVocabSize, c.DModel, c.PadId, rng);
        var tgtTok = c.ShareEmbeddings ? srcTok : ScaledEmbedding(c.TgtVocabSize, c.DModel, c.PadId, rng);
        var srcEmbed = new TransformerEmbedding(srcTok, c.Positional, c.MaxPositions, c.Dropout, rng);
        var tgtEmbed = c.ShareEmbeddings ? srcEmbed : new TransformerEmbedding(tgtTok, c.Positional, c.MaxPositions, c.Dropout, rng);
        bool finalNorm = c.FinalNorm ?? c.Norm == NormPosition.Pre;
        var encLayer = layer with { SelfAttention = c.EncoderAttentionOptions(), ConvKernel = c.EncoderConvKernel };
        var decLayer = layer with { SelfAttention = c.DecoderAttentionOptions() };
        var encoder = new TransformerEncoderPart(new TransformerEncoder(c.EncoderLayerOptions(encLayer), finalNorm, rng, encLayer));
        var decoder = new TransformerDecoderPart(new TransformerDecoder(c.DecoderLayerOptions(decLayer), finalNorm, rng, decLayer));
        TransformerInit.XavierReset(rng, encoder.Stack, decoder.Stack);   // as nn.Transformer resets its encoder and decoder
        var generator = c.TieOutput ? new Linear(tgtTok.Weight, null) : new Linear(c.DModel, c.TgtVocabSize, true, rng);
        return new EncoderDecoder(srcEmbed, encoder, tgtEmbed, decoder, generator);
    }

    /// <summary>A token embedding initialised N(0, d^-1/2) as in common Transformer implementations (the √d input
    /// scale then gives unit variance), with a zero padding row.</summary>
    internal static Embedding ScaledEmbedding(int vocab, int d, int padId, Rng rng)
    {
        var e = new Embedding(vocab, d, padId, rng);
        TensorPrimitives.Multiply(e.Weight.Span, 1f / MathF.Sqrt(d), e.Weight.Span);
        return e;
    }

    /// <summary>RNN encoder-decoder: (bi)RNN/LSTM/GRU encoder, stacked-cell decoder with attention or a fixed context.</summary>
    public static EncoderDecoder BuildRnn(ModelConfig c, Rng rng)
    {
        int dirs = c.Bidirectional ? 2 : 1;
        int memoryDim = c.HiddenSize * dirs;
        if (c.Attention == AttentionKind.LuongDot && memoryDim != c.HiddenSize)
            throw new UserInputException("luong-dot attention needs encoder states of the decoder's size: use a unidirectional encoder or another attention");
        var srcTok = new Embedding(c.SrcVocabSize, c.DModel, c.PadId, rng);
        var tgtTok = c.ShareEmbeddings ? srcTok : new Embedding(c.TgtVocabSize, c.DModel, c.PadId, rng);
        var srcEmbed = new RnnEmbedding(srcTok, c.Dropout, rng);
        var tgtEmbed = c.ShareEmbeddings ? srcEmbed : new RnnEmbedding(tgtTok, c.Dropout, rng);
        var encoder = new RnnEncoderPart(c.Cell, c.DModel, c.HiddenSize, c.EncoderLayers, c.Bidirectional, c.Dropout, rng);
        var decoder = new RnnDecoderPart(c.Cell, c.DModel, c.HiddenSize, c.DecoderLayers, memoryDim, c.EncoderLayers, dirs,
                                         c.Attention, c.Context, c.InputFeeding, c.Dropout, rng);
        var generator = c.TieOutput ? new Linear(tgtTok.Weight, null) : new Linear(c.HiddenSize, c.TgtVocabSize, true, rng);
        return new EncoderDecoder(srcEmbed, encoder, tgtEmbed, decoder, generator);
    }

    /// <summary>
    /// Image-to-sequence: a CNN (residual blocks) or ViT image encoder feeding the Transformer decoder of
    /// <see cref="BuildTransformer"/> (same embedding, layers, Xavier reset and output layer).
    /// </summary>
    public static ImageToSequenceModel BuildImageToSequence(ModelConfig c, Rng rng)
    {
        var v = c.Vision ?? throw new UserInputException("model config: image_to_sequence needs the vision settings");
        Module encoder = v.Encoder == ImageEncoderKind.Vit ? new VitImageEncoder(v, c, rng) : new CnnImageEncoder(v, c.DModel, c.Dropout, rng, CnnImageEncoder.ContextLayer(c));
        var (tgtEmbed, decoder, generator) = TransformerDecoderHead(c, c.TgtVocabSize, c.TieOutput, rng);
        return new ImageToSequenceModel(encoder, tgtEmbed, decoder, generator);
    }

    /// <summary>
    /// Whisper-style speech-to-text: a <see cref="SpeechEncoder"/> (two Conv1d + GELU, sinusoidal positions, pre-norm
    /// Transformer encoder) feeding the Transformer decoder of <see cref="BuildTransformer"/> (same embedding, layers,
    /// Xavier reset and output layer).
    /// </summary>
    public static SpeechToSequenceModel BuildSpeechToSequence(ModelConfig c, Rng rng)
    {
        var s = c.Speech ?? throw new UserInputException("model config: speech_to_sequence needs the speech settings");
        var encoder = new SpeechEncoder(s, c, rng);
        var (tgtEmbed, decoder, generator) = TransformerDecoderHead(c, c.TgtVocabSize, c.TieOutput, rng, encoder.Layers);
        var ctcHead = s.Ctc ? new Linear(c.DModel, c.TgtVocabSize, true, rng) : null;
        return new SpeechToSequenceModel(encoder, tgtEmbed, decoder, generator, ctcHead);
    }
    /// <summary>
    /// The Transformer decoder half shared by the image, speech and CoCa models, drawn in this order: a scaled token
    /// embedding of <paramref name="vocab"/> with positions, the decoder stack, the Xavier reset of
    /// <paramref name="resetFirst"/> then of the decoder, and the output layer (tied to the embedding, or its own with a bias).
    /// </summary>
    internal static (TransformerEmbedding Embed, TransformerDecoderPart Decoder, Linear Generator) TransformerDecoderHead(
        ModelConfig c, int vocab, bool tieOutput, Rng rng, params Module[] resetFirst)
    {
        var layer = new TransformerLayerOptions(c.DModel, c.Heads, c.FeedForward, c.Dropout, c.Activation, c.Norm);
        var tok = ScaledEmbedding(vocab, c.DModel, c.PadId, rng);
        var embed = new TransformerEmbedding(tok, c.Positional, c.MaxPositions, c.Dropout, rng);
        var decoder = new TransformerDecoderPart(new TransformerDecoder(layer, c.DecoderLayers, c.FinalNorm ?? c.Norm == NormPosition.Pre, rng));
        TransformerInit.XavierReset(rng, [.. resetFirst, decoder.Stack]);
        var generator = tieOutput ? new Linear(tok.Weight, null) : new Linear(c.DModel, vocab, true, rng);
        return (embed, decoder, generator);
    }
}
