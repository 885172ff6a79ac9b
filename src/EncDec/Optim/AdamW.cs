using EncDec.Tensors;

namespace EncDec.Optim;

/// <summary>AdamW as PyTorch 1.13's <c>torch.optim.AdamW</c>: <c>p *= 1 - lr·wd</c> before the Adam update (default wd 0.01 is not implied; set it).</summary>
public sealed class AdamW : Adam
{
    public AdamW(IEnumerable<(string Name, Tensor Param)> parameters, OptimizerOptions options) : this(OneGroup(parameters), options) { }

    public AdamW(IEnumerable<ParamGroup> groups, OptimizerOptions options) : base(groups, options, OptimizerKind.AdamW) { }

    protected override bool Decoupled => true;
}
