using EncDec.Tensors;

namespace EncDec.Optim;

/// <summary>
/// Adam as PyTorch 1.13's <c>torch.optim.Adam</c>: L2 weight decay added to the gradient, bias corrections,
/// <c>denom = sqrt(v)/sqrt(1-β2^t) + eps</c>, optional AMSGrad.
/// </summary>
public class Adam : Optimizer
{
    public const string ExpAvg = "exp_avg", ExpAvgSq = "exp_avg_sq", MaxExpAvgSq = "max_exp_avg_sq";

    public Adam(IEnumerable<(string Name, Tensor Param)> parameters, OptimizerOptions options) : this(OneGroup(parameters), options) { }

    public Adam(IEnumerable<ParamGroup> groups, OptimizerOptions options) : this(groups, options, OptimizerKind.Adam) { }

    protected Adam(IEnumerable<ParamGroup> groups, OptimizerOptions options, OptimizerKind kind) : base(groups, options, kind)
    {
        if (options.Beta1 < 0 || options.Beta1 >= 1) throw new ArgumentOutOfRangeException(nameof(options), $"invalid beta1 {options.Beta1}");
        if (options.Beta2 < 0 || options.Beta2 >= 1) throw new ArgumentOutOfRangeException(nameof(options), $"invalid beta2 {options.Beta2}");
        if (options.EpsOrDefault < 0) throw new ArgumentOutOfRangeException(nameof(options), $"invalid eps {options.EpsOrDefault}");
    }

    /// <summary>True for AdamW: decay the weights directly instead of adding an L2 term to the gradient.</summary>
    protected virtual bool Decoupled => false;

    protected override void Update(ParamGroup group, Span<float> p, ReadOnlySpan<float> grad, ParamStateSlots state, int[] shape)
    {
        var o = Options;
        double lr = group.Lr, wd = group.WeightDecay, b1 = o.Beta1, b2 = o.Beta2;
        var t = Scratch(p.Length);
        if (wd != 0)
        {
            if (Decoupled) TensorPrimitives.Multiply(p, (float)(1 - lr * wd), p);
            else
            {
                TensorPrimitives.MultiplyAdd(p, (float)wd, grad, t);
                grad = t;
            }
        }
        var m = Slot(state, ExpAvg, shape, 0f, out _);
        var v = Slot(state, ExpAvgSq, shape, 0f, out _);
        TensorPrimitives.Multiply(m, (float)b1, m);
        TensorPrimitives.MultiplyAdd(grad, (float)(1 - b1), m, m);
        TensorPrimitives.Multiply(v, (float)b2, v);
        TensorPrimitives.Multiply(grad, grad, t); // grad may alias t: elementwise, fine
        TensorPrimitives.MultiplyAdd(t, (float)(1 - b2), v, v);

        double step = state.Step;
        double bc1 = 1 - Math.Pow(b1, step), bc2 = 1 - Math.Pow(b2, step);
        double stepSize = lr / bc1, bc2Sqrt = Math.Sqrt(bc2);
        ReadOnlySpan<float> vv = v;
        if (o.Amsgrad)
        {
            var vmax = Slot(state, MaxExpAvgSq, shape, 0f, out _);
            TensorPrimitives.Max(vmax, v, vmax);
            vv = vmax;
        }
        TensorPrimitives.Sqrt(vv, t);
        TensorPrimitives.Divide(t, (float)bc2Sqrt, t);
        TensorPrimitives.Add(t, (float)o.EpsOrDefault, t);
        TensorPrimitives.Divide(m, t, t);
        TensorPrimitives.MultiplyAdd(t, (float)-stepSize, p, p);
    }
}

/// <summary>AdamW as PyTorch 1.13's <c>torch.optim.AdamW</c>: <c>p *= 1 - lr·wd</c> before the Adam update (default wd 0.01 is not implied; set it).</summary>
public sealed class AdamW : Adam
{
    public AdamW(IEnumerable<(string Name, Tensor Param)> parameters, OptimizerOptions options) : this(OneGroup(parameters), options) { }

    public AdamW(IEnumerable<ParamGroup> groups, OptimizerOptions options) : base(groups, options, OptimizerKind.AdamW) { }

    protected override bool Decoupled => true;
}
