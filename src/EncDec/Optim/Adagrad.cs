using EncDec.Tensors;

namespace EncDec.Optim;

/// <summary>
/// Adagrad as PyTorch 1.13's <c>torch.optim.Adagrad</c>: <c>clr = lr / (1 + (t-1)·lr_decay)</c>,
/// <c>sum += g²</c>, <c>p -= clr·g / (sqrt(sum) + eps)</c>, with L2 weight decay and an initial accumulator value.
/// </summary>
public sealed class Adagrad : Optimizer
{
    public const string Sum = "sum";

    public Adagrad(IEnumerable<(string Name, Tensor Param)> parameters, OptimizerOptions options) : this(OneGroup(parameters), options) { }

    public Adagrad(IEnumerable<ParamGroup> groups, OptimizerOptions options) : base(groups, options, OptimizerKind.Adagrad)
    {
        if (options.LrDecay < 0) throw new ArgumentOutOfRangeException(nameof(options), $"invalid lr_decay {options.LrDecay}");
        if (options.InitialAccumulatorValue < 0) throw new ArgumentOutOfRangeException(nameof(options), $"invalid initial_accumulator_value {options.InitialAccumulatorValue}");
    }

    protected override void Update(ParamGroup group, Span<float> p, ReadOnlySpan<float> grad, ParamStateSlots state, int[] shape)
    {
        var o = Options;
        var t = Scratch(p.Length);
        if (group.WeightDecay != 0)
        {
            TensorPrimitives.MultiplyAdd(p, (float)group.WeightDecay, grad, t);
            grad = t;
        }
        double clr = group.Lr / (1 + (state.Step - 1) * o.LrDecay);
        var sum = Slot(state, Sum, shape, (float)o.InitialAccumulatorValue, out _);
        TensorPrimitives.MultiplyAdd(grad, grad, sum, sum);
        // t may hold the decayed gradient: compute g / (sqrt(sum) + eps) elementwise in place.
        var u = t;
        if (!grad.Overlaps(t)) grad.CopyTo(u);
        var std = ScratchStd(p.Length);
        TensorPrimitives.Sqrt(sum, std);
        TensorPrimitives.Add(std, (float)o.EpsOrDefault, std);
        TensorPrimitives.Divide(u, std, u);
        TensorPrimitives.MultiplyAdd(u, (float)-clr, p, p);
    }

    private float[] _std = Array.Empty<float>();
    private Span<float> ScratchStd(int n)
    {
        if (_std.Length < n) _std = new float[n];
        return _std.AsSpan(0, n);
    }
}
