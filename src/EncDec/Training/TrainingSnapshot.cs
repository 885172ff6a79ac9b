using EncDec.Optim;
using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>Everything needed to resume training exactly: weights, optimizer state, step, generators, data position.</summary>
public sealed record TrainingSnapshot(
    IReadOnlyDictionary<string, Tensor> Model,
    OptimizerStateDict? Optimizer,
    long Step,
    IReadOnlyDictionary<string, RngState> RngStates,
    IReadOnlyDictionary<string, string> Extra,
    string? ConfigJson,
    IReadOnlyDictionary<string, string> Vocabularies)
{
    /// <summary>The file this snapshot was read from (named in errors), when it came from one.</summary>
    public string? SourcePath { get; init; }
}
