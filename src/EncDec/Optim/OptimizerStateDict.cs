namespace EncDec.Optim;

/// <summary>
/// Everything needed to resume an optimizer exactly: hyperparameters, the number of <see cref="Optimizer.Step"/>
/// calls, group settings and the per-parameter state keyed by parameter name (tensors are copies).
/// </summary>
public sealed record OptimizerStateDict(
    OptimizerOptions Options,
    long StepCount,
    double Lr,
    IReadOnlyList<ParamGroupState> Groups,
    IReadOnlyDictionary<string, ParamState> State);
