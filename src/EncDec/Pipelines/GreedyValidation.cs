using EncDec.Generation;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Pipelines;

/// <summary>
/// The library's validation decoding: greedy outputs of the model (at most <paramref name="maxLength"/> tokens), detokenised
/// with the target tokenizer and scored with BLEU (13a) and chrF2 exactly as sacreBLEU (and <c>encdec eval</c>), plus exact
/// match — the <paramref name="metrics"/> asked for (all three when null; <see cref="ValidationMetric.Loss"/> is the trainer's
/// own). With <paramref name="hypothesisFile"/> each validation's outputs are also written there (atomically).
/// </summary>
public sealed class GreedyValidation(ISeq2SeqModel model, ITokenizer target, int maxLength, string? hypothesisFile = null,
                                     IReadOnlyList<ValidationMetric>? metrics = null) : IValidationDecoding
{
    /// <summary>Sources decoded together: the decoder's caches grow with rows × length, so a whole validation set in one
    /// batch (1,014 Multi30k lines × 128 steps) held gigabytes; length-sorted chunks of this many hold megabytes.</summary>
    public const int ChunkSize = 64;

    /// <summary>BLEU, chrF and exact match: what validation scores unless told otherwise.</summary>
    public static IReadOnlyList<ValidationMetric> AllTextMetrics { get; } = [ValidationMetric.Bleu, ValidationMetric.ChrF, ValidationMetric.ExactMatch];

    private readonly IReadOnlyList<ValidationMetric> _metrics = metrics ?? AllTextMetrics;

    public IReadOnlyList<int[]> Decode(IReadOnlyList<int[]> sources)
    {
        var options = new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = maxLength };
        var results = LengthSortedDecoding.Generate(model, sources, options, ChunkSize);
        return results.Select(r => r.Hypotheses.Count > 0 ? r.Hypotheses[0].Tokens : Array.Empty<int>()).ToArray();
    }

    public string Detokenize(int[] targetIds) => target.Decode(targetIds);

    public ValidationScores Score(IReadOnlyList<string> hypotheses, IReadOnlyList<string> references)
    {
        if (hypothesisFile is not null) AtomicFile.WriteAllText(hypothesisFile, string.Concat(hypotheses.Select(line => line + "\n")));
        return Corpus(hypotheses, references, _metrics);
    }

    /// <summary>BLEU, chrF2 and exact match (or those of <paramref name="metrics"/>) of hypotheses against one reference each.</summary>
    public static ValidationScores Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<string> references, IReadOnlyList<ValidationMetric>? metrics = null)
    {
        var streams = new[] { references };
        var asked = metrics ?? AllTextMetrics;
        return new ValidationScores(asked.Contains(ValidationMetric.Bleu) ? Bleu.Corpus(hypotheses, streams).Score : null,
                                    asked.Contains(ValidationMetric.ChrF) ? ChrF.Corpus(hypotheses, streams).Score : null,
                                    asked.Contains(ValidationMetric.ExactMatch) ? ExactMatch.Corpus(hypotheses, streams) : null);
    }
}
