using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>What <see cref="IBatchObjective.Loss"/> computed.</summary>
public sealed record BatchObjectiveResult(Tensor Loss, int Tokens, double? MeanReward = null);
