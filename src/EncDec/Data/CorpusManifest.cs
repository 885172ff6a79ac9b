using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using EncDec.Text;

namespace EncDec.Data;

/// <summary>manifest.json of a preprocessed corpus folder (snake_case keys).</summary>
public sealed record CorpusManifest(string Format, int Version, int TokenWidth, int SrcVocabSize, int TgtVocabSize,
                                    TokenizerEntry SourceTokenizer, TokenizerEntry TargetTokenizer, FilterEntry Filter,
                                    SplitEntry Train, SplitEntry? Valid)
{
    public const string FormatName = "encdec-preprocessed";
    public const int CurrentVersion = 1;
    public const string FileName = "manifest.json";
    public const string SourceTokenizerFile = "source.tokenizer.json";
    public const string TargetTokenizerFile = "target.tokenizer.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true,
    };

    /// <summary>SHA-256 (lower-case hex) of a tokenizer's JSON, as saved to its file.</summary>
    public static string HashOf(ITokenizer tokenizer) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tokenizer.ToJson())));
}
