using System.Text.Json;
using System.Text.Json.Serialization;
using EncDec.Models;

namespace EncDec.Interop.Onnx;

/// <summary>
/// <c>encdec-onnx.json</c>, written beside the two graphs: which files hold what, every graph input and output,
/// which encoder outputs the decoder step reads unchanged (<see cref="DecoderConstants"/>), the decoder state carried
/// between steps (<see cref="States"/>), and the special tokens. Enough for any ONNX runtime to drive a search.
/// </summary>
public sealed record OnnxModelInfo
{
    public string Format { get; init; } = "encdec-onnx";
    public int Version { get; init; } = 1;
    public ModelFamily Family { get; init; }
    public int Opset { get; init; } = OnnxGraph.Opset;
    public string EncoderFile { get; init; } = "encoder.onnx";
    public string DecoderFile { get; init; } = "decoder_step.onnx";
    public string SourceTokenizer { get; init; } = "src_tokenizer.json";
    public string TargetTokenizer { get; init; } = "tgt_tokenizer.json";
    public int SrcVocabSize { get; init; }
    public int TgtVocabSize { get; init; }
    public OnnxSpecialTokens SpecialTokens { get; init; } = new(0, 1, 2, 3);
    /// <summary>Whether the decoder step takes a <c>position</c> input (the target position of <c>tokens</c>).</summary>
    public bool UsesPosition { get; init; }
    /// <summary>The largest number of target positions the graphs can embed (null: unlimited).</summary>
    public int? MaxPositions { get; init; }
    /// <summary>Whether the decoder step returns <c>attention</c> (batch, src_len) over the source.</summary>
    public bool HasAttention { get; init; }
    public IReadOnlyList<string> DecoderConstants { get; init; } = [];
    public IReadOnlyList<OnnxStateSpec> States { get; init; } = [];
    public IReadOnlyList<OnnxTensorInfo> EncoderInputs { get; init; } = [];
    public IReadOnlyList<OnnxTensorInfo> EncoderOutputs { get; init; } = [];
    public IReadOnlyList<OnnxTensorInfo> DecoderInputs { get; init; } = [];
    public IReadOnlyList<OnnxTensorInfo> DecoderOutputs { get; init; } = [];

    public const string FileName = "encdec-onnx.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads <c>DIR/encdec-onnx.json</c>; a missing or malformed file is a <see cref="UserInputException"/> naming it.</summary>
    public static OnnxModelInfo Load(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw new UserInputException($"{path}: not found (is {dir} a folder written by `encdec export --format onnx`?)");
        try
        {
            var info = JsonSerializer.Deserialize<OnnxModelInfo>(File.ReadAllText(path), Json) ?? throw new JsonException("empty");
            if (info.Format != "encdec-onnx") throw new JsonException($"format is '{info.Format}', not 'encdec-onnx'");
            return info;
        }
        catch (JsonException e)
        {
            throw new UserInputException($"{path}: malformed export description: {e.Message}");
        }
    }
}
