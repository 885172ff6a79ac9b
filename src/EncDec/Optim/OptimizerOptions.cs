using System.Text.Json.Serialization;

namespace EncDec.Optim;

/// <summary>
/// Hyperparameters of every optimizer (each uses the fields that apply to it). Defaults follow PyTorch 1.13;
/// <see cref="Eps"/> null means the algorithm's default (1e-8 for Adam/AdamW, 1e-10 for Adagrad).
/// </summary>
public sealed record OptimizerOptions(
    OptimizerKind Kind,
    double Lr,
    double WeightDecay = 0,
    double Momentum = 0,
    double Dampening = 0,
    bool Nesterov = false,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double? Eps = null,
    bool Amsgrad = false,
    double LrDecay = 0,
    double InitialAccumulatorValue = 0)
{
    /// <summary>The effective epsilon.</summary>
    [JsonIgnore]
    public double EpsOrDefault => Eps ?? (Kind == OptimizerKind.Adagrad ? 1e-10 : 1e-8);
}
