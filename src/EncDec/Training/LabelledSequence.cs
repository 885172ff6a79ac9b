using System.Diagnostics;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>One labelled token sequence for a <see cref="SequenceClassifier"/>.</summary>
public sealed record LabelledSequence(int[] Tokens, int Label);
