using EncDec.Tensors;

namespace EncDec.Optim;

/// <summary>
/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay, exactly as
/// PyTorch 1.13's <c>torch.optim.SGD</c>: the momentum buffer starts as a copy of the first (decayed) gradient.
/// </summary>
public sealed class Sgd : Optimizer
{
    public const string MomentumBuffer = "momentum_buffer";

    public Sgd(IEnumerable<(string Name, Tensor Param)> parameters, OptimizerOptions options) : this(OneGroup(parameters), options) { }

    public Sgd(IEnumerable<ParamGroup> groups, OptimizerOptions options) : base(groups, options, OptimizerKind.Sgd)
    {
        if (options.Momentum < 0) throw new ArgumentOutOfRangeException(nameof(options), $"invalid momentum {options.Momentum}");
        if (options.Nesterov && (options.Momentum <= 0 || options.Dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening");
    }

    protected override void Update(ParamGroup group, Span<float> p, ReadOnlySpan<float> grad, ParamStateSlots state, int[] shape)
    {
        var o = Options;
        float wd = (float)group.WeightDecay, momentum = (float)o.Momentum, lr = (float)group.Lr;
        ReadOnlySpan<float> d = grad;
        if (wd != 0)
        {
            var t = Scratch(p.Length);
            TensorPrimitives.MultiplyAdd(p, wd, grad, t); // grad + wd·p
            d = t;
        }
        if (momentum != 0)
        {
            var buf = Slot(state, MomentumBuffer, shape, 0f, out bool created);
            if (created) d.CopyTo(buf);
            else
            {
                TensorPrimitives.Multiply(buf, momentum, buf);
                TensorPrimitives.MultiplyAdd(d, (float)(1 - o.Dampening), buf, buf);
            }
            if (o.Nesterov)
            {
                var t = Scratch(p.Length);
                TensorPrimitives.MultiplyAdd(buf, momentum, d, t); // d + momentum·buf (t may alias d: elementwise)
                d = t;
            }
            else d = buf;
        }
        TensorPrimitives.MultiplyAdd(d, -lr, p, p);
    }
}
