namespace EncDec.Training;

/// <summary>
/// A validation number: the one that decides "best" and early stopping (<see cref="TrainerOptions.BestMetric"/>), and the
/// scores of decoded text a pipeline computes (BLEU and chrF as sacreBLEU and <c>encdec eval</c>, exact match).
/// </summary>
public enum ValidationMetric { Loss, Bleu, ExactMatch, ChrF }
