namespace EncDec.Training;

/// <summary>Settings of a classifier's training beyond <see cref="TrainerOptions"/> (immutable).</summary>
/// <param name="BatchSize">Sequences per optimizer step.</param>
/// <param name="PrefixFraction">
/// Fraction of each batch's sequences cut to a uniformly drawn prefix (1 … length tokens) that keeps the whole sequence's
/// label: the classifier then judges incomplete outputs, as a FUDGE-style guide scores every prefix during decoding.
/// </param>
public sealed record ClassifierTrainOptions(int BatchSize = 32, double PrefixFraction = 0.5);
