using EncDec.Tensors;

namespace EncDec.Optim;

/// <summary>
/// A group of named parameters sharing a learning rate and weight decay. The group's learning rate is the
/// optimizer-wide <see cref="Optimizer.Lr"/> times <see cref="LrScale"/>; <see cref="WeightDecay"/> null uses
/// the optimizer's.
/// </summary>
public sealed class ParamGroup
{
    public ParamGroup(IEnumerable<(string Name, Tensor Param)> parameters, double lrScale = 1.0, double? weightDecay = null)
    {
        Params = parameters.ToList();
        LrScale = lrScale;
        WeightDecayOverride = weightDecay;
    }

    public IReadOnlyList<(string Name, Tensor Param)> Params { get; }
    public double LrScale { get; set; }
    /// <summary>The weight decay requested for this group (null: the optimizer's).</summary>
    public double? WeightDecayOverride { get; }
    /// <summary>Current learning rate of this group (set through <see cref="Optimizer.Lr"/> or directly).</summary>
    public double Lr { get; set; }
    /// <summary>Weight decay in effect for this group.</summary>
    public double WeightDecay { get; set; }
}
