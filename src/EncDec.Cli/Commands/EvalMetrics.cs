namespace EncDec.Cli.Commands;

/// <summary>Metrics that <c>encdec eval</c> can compute.</summary>
[Flags]
public enum EvalMetrics
{
    None = 0,
    Bleu = 1,
    ChrF = 2,
    Rouge = 4,
    Exact = 8,
    /// <summary>Word error rate, as jiwer.</summary>
    Wer = 16,
    /// <summary>Character error rate, as jiwer.</summary>
    Cer = 32,
    /// <summary>The default set: BLEU and chrF.</summary>
    Default = Bleu | ChrF,
}
