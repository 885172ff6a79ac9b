namespace EncDec.Metrics;

/// <summary>Precision, recall and F1 of one ROUGE variant, each 0–1.</summary>
public readonly record struct RougeValue(double Precision, double Recall, double F1);
