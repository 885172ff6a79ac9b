using EncDec.Metrics;

namespace EncDec.Cli.Commands;

/// <summary>Options of <c>encdec eval --hyp FILE --ref FILE [--ref FILE2…] [--metrics bleu,chrf,rouge,exact,wer,cer] [--lowercase] [--tokenize 13a|none|char] [--json]</c>.</summary>
public sealed record EvalOptions
{
    public required string HypPath { get; init; }
    public required IReadOnlyList<string> RefPaths { get; init; }
    public EvalMetrics Metrics { get; init; } = EvalMetrics.Default;
    public bool Lowercase { get; init; }
    public BleuTokenize Tokenize { get; init; } = BleuTokenize.V13a;
    public bool Json { get; init; }

    /// <summary>Parses a <c>--metrics</c> value such as <c>bleu,chrf,rouge,exact</c> (case-insensitive; <c>exact_match</c>/<c>em</c> also accepted).</summary>
    /// <exception cref="UserInputException">An unknown or empty metric list.</exception>
    public static EvalMetrics ParseMetrics(string value)
    {
        var result = EvalMetrics.None;
        foreach (string raw in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            result |= raw.ToLowerInvariant() switch
            {
                "bleu" => EvalMetrics.Bleu,
                "chrf" => EvalMetrics.ChrF,
                "rouge" => EvalMetrics.Rouge,
                "exact" or "exact_match" or "em" => EvalMetrics.Exact,
                "wer" => EvalMetrics.Wer,
                "cer" => EvalMetrics.Cer,
                _ => throw new UserInputException($"--metrics: unknown metric '{raw}' (expected bleu, chrf, rouge, exact, wer, cer)"),
            };
        }
        if (result == EvalMetrics.None) throw new UserInputException("--metrics: no metric given");
        return result;
    }

    /// <summary>Parses a <c>--tokenize</c> value (<c>13a</c>, <c>none</c>, <c>char</c>).</summary>
    /// <exception cref="UserInputException">Any other value.</exception>
    public static BleuTokenize ParseTokenize(string value)
    {
        try { return BleuTokenizers.Parse(value); }
        catch (ArgumentException) { throw new UserInputException($"--tokenize: unknown tokenizer '{value}' (expected 13a, none or char)"); }
    }
}
