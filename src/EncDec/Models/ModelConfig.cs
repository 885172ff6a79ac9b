using System.Text.Json;
using System.Text.Json.Serialization;
using EncDec.Nn;

namespace EncDec.Models;

/// <summary>The model families one <see cref="ModelFactory"/> builds.</summary>
public enum ModelFamily { Transformer, Rnn, EncoderOnly, DecoderOnly, ImageToSequence, UNet }

/// <summary>Recurrent cell of an RNN encoder-decoder.</summary>
public enum RnnCellKind { Rnn, Lstm, Gru }

/// <summary>Attention of an RNN decoder over the encoder states.</summary>
public enum AttentionKind { None, Bahdanau, LuongDot, LuongGeneral, LuongConcat }

/// <summary>The fixed context an RNN decoder gets when it has no attention.</summary>
public enum ContextKind { LastState, MeanState }

/// <summary>Positional information of a Transformer.</summary>
public enum PositionalKind { Sinusoidal, Learned }

/// <summary>
/// One immutable description of a model. <see cref="ModelFactory.Build"/> turns it into a model; it is
/// stored (as JSON) in every checkpoint so that a checkpoint alone is enough to rebuild and run the model.
/// </summary>
public sealed record ModelConfig
{
    public ModelFamily Family { get; init; } = ModelFamily.Transformer;
    public int SrcVocabSize { get; init; }
    public int TgtVocabSize { get; init; }
    /// <summary>Transformer d_model; RNN embedding size.</summary>
    public int DModel { get; init; } = 256;
    /// <summary>RNN hidden size (per direction for the encoder).</summary>
    public int HiddenSize { get; init; } = 512;
    public int EncoderLayers { get; init; } = 3;
    public int DecoderLayers { get; init; } = 3;
    public int Heads { get; init; } = 4;
    public int FeedForward { get; init; } = 1024;
    public float Dropout { get; init; } = 0.1f;
    public Activation Activation { get; init; } = Activation.Relu;
    public NormPosition Norm { get; init; } = NormPosition.Post;
    public PositionalKind Positional { get; init; } = PositionalKind.Sinusoidal;
    public int MaxPositions { get; init; } = 1024;
    /// <summary>
    /// A LayerNorm after the last encoder layer and after the last decoder layer (Transformer). PyTorch's
    /// <c>nn.Transformer</c> always has them, post-norm included. Null (the default, and every config saved before
    /// this setting) keeps the earlier rule: final norms only with pre-norm.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? FinalNorm { get; init; }
    /// <summary>One embedding matrix for source and target (needs a joint vocabulary).</summary>
    public bool ShareEmbeddings { get; init; }
    /// <summary>The output layer reuses the target embedding matrix.</summary>
    public bool TieOutput { get; init; }
    public RnnCellKind Cell { get; init; } = RnnCellKind.Lstm;
    public bool Bidirectional { get; init; } = true;
    public AttentionKind Attention { get; init; } = AttentionKind.Bahdanau;
    public ContextKind Context { get; init; } = ContextKind.LastState;
    /// <summary>Feed the previous attentional vector into the next RNN decoder step (Luong et al., 2015).</summary>
    public bool InputFeeding { get; init; } = true;
    /// <summary>Classes of the encoder-only model's classification head (0 = none).</summary>
    public int NumClasses { get; init; }
    public int PadId { get; init; }
    /// <summary>The image side of a vision model (<see cref="ModelFamily.ImageToSequence"/>, <see cref="ModelFamily.UNet"/>); null for text models.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public VisionConfig? Vision { get; init; }
    /// <summary>Seed of the parameter initialisation.</summary>
    public ulong Seed { get; init; } = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a config; a malformed one is a <see cref="UserInputException"/> naming <paramref name="source"/>.</summary>
    public static ModelConfig FromJson(string json, string source = "model config")
    {
        try
        {
            var c = JsonSerializer.Deserialize<ModelConfig>(json, Json) ?? throw new JsonException("empty");
            c.Validate(source);
            return c;
        }
        catch (JsonException e)
        {
            throw new UserInputException($"{source}: malformed model config: {e.Message}");
        }
    }

    /// <summary>Checks sizes and combinations; throws a <see cref="UserInputException"/> naming the field.</summary>
    public void Validate(string source = "model config")
    {
        void Need(bool ok, string msg) { if (!ok) throw new UserInputException($"{source}: {msg}"); }
        Need(TgtVocabSize > 0 || Family is ModelFamily.EncoderOnly or ModelFamily.UNet, "tgt_vocab_size must be positive");
        bool image = Family is ModelFamily.ImageToSequence or ModelFamily.UNet;
        if (image) Need(Vision is not null, $"{Family} needs the vision settings");
        Vision?.Validate(Need);
        if (Family == ModelFamily.UNet) { Need(NumClasses > 0, "num_classes must be positive for a U-Net"); return; }
        Need(SrcVocabSize > 0 || Family == ModelFamily.DecoderOnly || image, "src_vocab_size must be positive");
        Need(DModel > 0, "d_model must be positive");
        Need(Dropout is >= 0 and < 1, "dropout must be in [0, 1)");
        if (Family is ModelFamily.Transformer or ModelFamily.EncoderOnly or ModelFamily.DecoderOnly or ModelFamily.ImageToSequence)
            Need(Heads > 0 && DModel % Heads == 0, $"d_model ({DModel}) must be divisible by heads ({Heads})");
        if (ShareEmbeddings) Need(SrcVocabSize == TgtVocabSize, "share_embeddings needs equal source and target vocabulary sizes");
        if (Family == ModelFamily.Rnn) Need(HiddenSize > 0 && EncoderLayers > 0 && DecoderLayers > 0, "hidden_size and layer counts must be positive");
        if (TieOutput && Family == ModelFamily.Rnn) Need(HiddenSize == DModel, "tie_output with an RNN needs hidden_size == d_model");
    }
}
