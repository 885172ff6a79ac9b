using EncDec.Models;

namespace EncDec.Training;

/// <summary>One labelled token sequence for a <see cref="SequenceClassifier"/>.</summary>
public sealed record LabelledSequence(int[] Tokens, int Label);
