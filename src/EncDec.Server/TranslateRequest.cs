using EncDec.Generation;

namespace EncDec.Server;

/// <summary>
/// A parsed <c>POST /v1/translate</c> body: the texts and the generation options, every field already range-checked.
/// JSON names are snake_case: <c>texts, strategy, beam, n_best, temperature, top_k, top_p, typical_p, min_p,
/// length_penalty, max_length, min_length, repetition_penalty, no_repeat_ngram, seed, prefix, constraints,
/// return_attention, return_scores</c>.
/// </summary>
public sealed record TranslateRequest
{
    public IReadOnlyList<string> Texts { get; init; } = Array.Empty<string>();
    public DecodingStrategy Strategy { get; init; } = DecodingStrategy.Greedy;
    public int Beam { get; init; } = 1;
    public int NBest { get; init; } = 1;
    public float Temperature { get; init; } = 1f;
    public int TopK { get; init; }
    public float TopP { get; init; } = 1f;
    public float TypicalP { get; init; } = 1f;
    public float MinP { get; init; }
    public float LengthPenalty { get; init; } = 0.6f;
    public int? MaxLength { get; init; }
    public int MinLength { get; init; }
    public float RepetitionPenalty { get; init; } = 1f;
    public int NoRepeatNgram { get; init; }
    public ulong Seed { get; init; } = 1;
    /// <summary>Forced start of every output (target text).</summary>
    public string? Prefix { get; init; }
    /// <summary>Phrases (target text) every output must contain; constrained beam search.</summary>
    public IReadOnlyList<string> Constraints { get; init; } = Array.Empty<string>();
    public bool ReturnAttention { get; init; }
    public bool ReturnScores { get; init; }
}
