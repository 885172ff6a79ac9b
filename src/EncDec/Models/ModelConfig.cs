using System.Text.Json;
using System.Text.Json.Serialization;
using EncDec.Nn;

namespace EncDec.Models;

/// <summary>
/// One immutable description of a model. <see cref="ModelFactory.Build"/> turns it into a model; it is
/// stored (as JSON) in every checkpoint so that a checkpoint alone is enough to rebuild and run the model.
/// </summary>
public sealed partial record ModelConfig
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
    /// <summary>Width of the joint embedding of a <see cref="ModelFamily.DualEncoder"/> (its projection heads); 0 for other models.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int ProjectionDim { get; init; }

    /// <summary>The audio side of a speech model (<see cref="ModelFamily.SpeechToSequence"/>); null otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SpeechConfig? Speech { get; init; }
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

    /// <summary>The largest d_model, hidden_size and feed_forward a config may ask for.</summary>
    public const int MaxWidth = 1 << 16;
    /// <summary>The most layers an encoder or decoder may have.</summary>
    public const int MaxLayers = 1024;
    /// <summary>The largest position table.</summary>
    public const int MaxPositionsLimit = 1 << 20;

    /// <summary>
    /// Checks sizes and combinations before anything is allocated: every size within bounds, the padding id inside the
    /// vocabularies, heads dividing the width, and the parameter count (<see cref="EstimatedParameters"/>) small enough
    /// for one tensor and for the memory this process may use; throws a <see cref="UserInputException"/> naming the field.
    /// </summary>
    public void Validate(string source = "model config")
    {
        void Need(bool ok, string msg) { if (!ok) throw new UserInputException($"{source}: {msg}"); }
        static string N(long v) => v.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        Need(Enum.IsDefined(Family), $"unknown family {(int)Family}");
        Need(TgtVocabSize > 0 || Family is ModelFamily.EncoderOnly or ModelFamily.UNet or ModelFamily.DualEncoder, "tgt_vocab_size must be positive");
        bool image = Family is ModelFamily.ImageToSequence or ModelFamily.UNet or ModelFamily.DualEncoder;
        if (Family == ModelFamily.DualEncoder) Need(ProjectionDim is > 0 and <= MaxWidth, $"projection_dim must be in [1, {N(MaxWidth)}] for a dual encoder, got {N(ProjectionDim)}");
        if (Family == ModelFamily.DualEncoder && Vision is { CaptionLossWeight: > 0 }) Need(DecoderLayers > 0, "a dual encoder's captioning loss (vision caption_loss_weight) needs decoder_layers > 0");
        if (image) Need(Vision is not null, $"{Family} needs the vision settings");
        Vision?.Validate(Need);
        bool speech = Family == ModelFamily.SpeechToSequence;
        if (speech) Need(Speech is not null, $"{Family} needs the speech settings");
        Speech?.Validate(Need);
        if (Family == ModelFamily.UNet) { Need(NumClasses > 0, "num_classes must be positive for a U-Net"); return; }
        Need(SrcVocabSize > 0 || Family == ModelFamily.DecoderOnly || (image && Family != ModelFamily.DualEncoder) || speech, "src_vocab_size must be positive");
        Need(SrcVocabSize >= 0 && TgtVocabSize >= 0, "vocabulary sizes must not be negative");
        Need(DModel > 0, "d_model must be positive");
        Need(DModel <= MaxWidth, $"d_model {N(DModel)} is more than {N(MaxWidth)}");
        Need(Dropout is >= 0 and < 1, "dropout must be in [0, 1)");
        Need(EncoderLayers is >= 0 and <= MaxLayers && DecoderLayers is >= 0 and <= MaxLayers,
             $"encoder_layers ({EncoderLayers}) and decoder_layers ({DecoderLayers}) must be in [0, {MaxLayers}]");
        Need(MaxPositions is > 0 and <= MaxPositionsLimit, $"max_positions must be in [1, {N(MaxPositionsLimit)}], got {N(MaxPositions)}");
        Need(NumClasses >= 0, $"num_classes must not be negative, got {NumClasses}");
        if (Family is ModelFamily.Transformer or ModelFamily.EncoderOnly or ModelFamily.DecoderOnly or ModelFamily.ImageToSequence or ModelFamily.DualEncoder or ModelFamily.SpeechToSequence)
        {
            Need(Heads > 0 && DModel % Heads == 0, $"d_model ({DModel}) must be divisible by heads ({Heads})");
            Need(FeedForward is > 0 and <= MaxWidth, $"feed_forward must be in [1, {N(MaxWidth)}], got {N(FeedForward)}");
        }
        if (Pruned is not null)
        {
            Need(Family == ModelFamily.Transformer, "pruned layer widths need a transformer");
            Pruned.Validate(this, Need);
        }
        if (ShareEmbeddings) Need(SrcVocabSize == TgtVocabSize, "share_embeddings needs equal source and target vocabulary sizes");
        if (Family == ModelFamily.Rnn)
        {
            Need(HiddenSize > 0 && EncoderLayers > 0 && DecoderLayers > 0, "hidden_size and layer counts must be positive");
            Need(HiddenSize <= MaxWidth, $"hidden_size {N(HiddenSize)} is more than {N(MaxWidth)}");
        }
        if (TieOutput && Family == ModelFamily.Rnn) Need(HiddenSize == DModel, "tie_output with an RNN needs hidden_size == d_model");
        ValidateAttentionCores(source);
        if (Family is not (ModelFamily.DecoderOnly or ModelFamily.ImageToSequence or ModelFamily.SpeechToSequence)) Need(PadId >= 0 && PadId < SrcVocabSize, $"pad_id {PadId} is outside the source vocabulary of {N(SrcVocabSize)} tokens");
        if (Family is not (ModelFamily.EncoderOnly or ModelFamily.DualEncoder)) Need(PadId >= 0 && PadId < TgtVocabSize, $"pad_id {PadId} is outside the target vocabulary of {N(TgtVocabSize)} tokens");

        var (largest, largestName) = LargestTensor();
        Need(largest <= Array.MaxLength,
             $"{largestName} would hold {N(largest)} values, more than one tensor can ({N(Array.MaxLength)}): check the vocabulary sizes and d_model");
        long parameters = EstimatedParameters();
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        Need(parameters * 4 <= available,
             string.Create(System.Globalization.CultureInfo.InvariantCulture,
                 $"the model would have about {N(parameters)} parameters ({parameters * 4 / 1e9:F1} GB of float32 weights), more than the ")
             + string.Create(System.Globalization.CultureInfo.InvariantCulture,
                 $"{available / 1e9:F1} GB of memory this process may use: check the vocabulary sizes, d_model, feed_forward and the layer counts"));
    }

    /// <summary>
    /// About how many parameters the model of this config has (an upper bound within a few percent, computed without
    /// building it), so that a config asking for more memory than there is fails in one line instead of "Out of memory".
    /// </summary>
    public long EstimatedParameters()
    {
        long d = DModel, ff = FeedForward, p = Positional == PositionalKind.Learned ? MaxPositions : 0, vs = SrcVocabSize, vt = TgtVocabSize;
        long selfLayer = 4 * d * d + 2 * d * ff + ff + 10 * d;         // attention (in/out projections) + feed-forward + norms
        long crossLayer = selfLayer + 4 * d * d + 6 * d;                // + cross-attention and its norm
        long output = TieOutput ? vt : d * vt + vt;
        switch (Family)
        {
            case ModelFamily.Transformer:
                return vs * d + (ShareEmbeddings ? 0 : vt * d) + 2 * p * d + EncoderLayers * selfLayer + DecoderLayers * crossLayer + output + 4 * d;
            case ModelFamily.EncoderOnly:
                return 2 * vs * d + vs + p * d + EncoderLayers * selfLayer + d * d + (long)NumClasses * (d + 1) + 6 * d;
            case ModelFamily.DecoderOnly:
                return vt * d + p * d + DecoderLayers * selfLayer + output + 2 * d;
            case ModelFamily.SpeechToSequence:
                return 3 * d * ((Speech?.MelBins ?? 80) + d) + 2 * d + EncoderLayers * selfLayer + vt * d + p * d + DecoderLayers * crossLayer + output + 4 * d
                       + (Speech?.Ctc == true ? vt * d + vt : 0);
            default:
            {
                long h = HiddenSize, dirs = Bidirectional ? 2 : 1, gates = Cell switch { RnnCellKind.Lstm => 4, RnnCellKind.Gru => 3, _ => 1 };
                long mem = h * dirs;
                long enc = 0, dec = 0;
                for (int l = 0; l < EncoderLayers; l++) enc += dirs * gates * h * ((l == 0 ? d : mem) + h + 2);
                for (int l = 0; l < DecoderLayers; l++) dec += gates * h * ((l == 0 ? d + mem + h : h) + h + 2);
                long attention = 3 * h * (h + mem) + 2 * h + mem * h;
                long rnnOutput = TieOutput ? vt : h * vt + vt;
                long bridge = EncoderLayers * dirs * mem * h;                 // encoder → decoder state projections
                return vs * d + (ShareEmbeddings ? 0 : vt * d) + enc + dec + attention + bridge + rnnOutput;
            }
        }
    }

    /// <summary>The number of values of the model's largest tensor, and which it is.</summary>
    private (long Values, string Name) LargestTensor()
    {
        long d = DModel, ff = FeedForward, h = HiddenSize;
        var sizes = new List<(long, string)>
        {
            ((long)SrcVocabSize * d, "the source embedding (src_vocab_size × d_model)"),
            ((long)TgtVocabSize * Math.Max(d, Family == ModelFamily.Rnn ? h : d), "the target embedding or output layer (tgt_vocab_size × d_model)"),
            ((long)MaxPositions * d, "the position table (max_positions × d_model)"),
        };
        if (Family == ModelFamily.Rnn) sizes.Add((4 * h * (d + 3 * h), "an RNN weight matrix (4·hidden_size × input)"));
        else sizes.Add((ff * d, "a feed-forward weight (feed_forward × d_model)"));
        return sizes.MaxBy(s => s.Item1);
    }
}
