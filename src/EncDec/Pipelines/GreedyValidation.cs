using EncDec.Generation;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Pipelines;

/// <summary>
/// The library's validation decoding: greedy outputs of the model (at most <paramref name="maxLength"/> tokens), detokenised
/// with the target tokenizer and scored with BLEU (13a) and chrF2 exactly as sacreBLEU (and <c>encdec eval</c>), plus exact
/// match. With <paramref name="hypothesisFile"/> each validation's outputs are also written there (atomically).
/// </summary>
public sealed class GreedyValidation(ISeq2SeqModel model, ITokenizer target, int maxLength, string? hypothesisFile = null) : IValidationDecoding
{
    public IReadOnlyList<int[]> Decode(IReadOnlyList<int[]> sources)
        => SequenceGenerator.Generate(model, sources, new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = maxLength })
                            .Select(r => r.Hypotheses.Count > 0 ? r.Hypotheses[0].Tokens : Array.Empty<int>()).ToList();

    public string Detokenize(int[] targetIds) => target.Decode(targetIds);

    public ValidationScores Score(IReadOnlyList<string> hypotheses, IReadOnlyList<string> references)
    {
        if (hypothesisFile is not null) AtomicFile.WriteAllText(hypothesisFile, string.Concat(hypotheses.Select(line => line + "\n")));
        return Corpus(hypotheses, references);
    }

    /// <summary>BLEU, chrF2 and exact match of hypotheses against one reference each.</summary>
    public static ValidationScores Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<string> references)
    {
        var streams = new[] { references };
        return new ValidationScores(Bleu.Corpus(hypotheses, streams).Score, ChrF.Corpus(hypotheses, streams).Score, ExactMatch.Corpus(hypotheses, streams));
    }
}
