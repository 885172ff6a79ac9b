using System.Runtime.Intrinsics;
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
        double step = state.Step;
        double bc1 = 1 - Math.Pow(b1, step), bc2 = 1 - Math.Pow(b2, step);
        double stepSize = lr / bc1, bc2Sqrt = Math.Sqrt(bc2);
        if (o.Amsgrad)
        {
            TensorPrimitives.Multiply(m, (float)b1, m);
            TensorPrimitives.MultiplyAdd(grad, (float)(1 - b1), m, m);
            TensorPrimitives.Multiply(v, (float)b2, v);
            TensorPrimitives.Multiply(grad, grad, t); // grad may alias t: elementwise, fine
            TensorPrimitives.MultiplyAdd(t, (float)(1 - b2), v, v);
            var vmax = Slot(state, MaxExpAvgSq, shape, 0f, out _);
            TensorPrimitives.Max(vmax, v, vmax);
            TensorPrimitives.Sqrt(vmax, t);
            TensorPrimitives.Divide(t, (float)bc2Sqrt, t);
            TensorPrimitives.Add(t, (float)o.EpsOrDefault, t);
            TensorPrimitives.Divide(m, t, t);
            TensorPrimitives.MultiplyAdd(t, (float)-stepSize, p, p);
            return;
        }
        FusedStep(p, grad, m, v, (float)b1, (float)b2, (float)bc2Sqrt, (float)o.EpsOrDefault, (float)-stepSize);
    }

    /// <summary>
    /// One pass of the Adam update over every element (the same per-element arithmetic as the composed form:
    /// m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²; p += −stepSize · m / (√v / √bc2 + eps)), vectorised (512- or 256-bit,
    /// with the scalar tail doing the same fused multiply-adds, so every width gives the same bits) and split over the
    /// cores for large tensors.
    /// </summary>
    private static unsafe void FusedStep(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
                                         float b1, float b2, float bc2Sqrt, float eps, float negStep)
    {
        int n = p.Length;
        if (g.Length < n || m.Length < n || v.Length < n) throw new ArgumentException("Adam: state and gradient must match the parameter");
        fixed (float* pp = p) fixed (float* gp = g) fixed (float* mp = m) fixed (float* vp = v)
        {
            nint pa = (nint)pp, ga = (nint)gp, ma = (nint)mp, va = (nint)vp;
            // chunk boundaries on multiples of 16 elements, so the vector/scalar split (and the result) does not depend on the chunking
            int blocks = (n + 15) / 16;
            Par.For(blocks, 16, (s0, e0) =>
            {
                int start = s0 * 16, end = Math.Min(n, e0 * 16);
                FusedRange((float*)pa + start, (float*)ga + start, (float*)ma + start, (float*)va + start, end - start, b1, b2, bc2Sqrt, eps, negStep);
            });
        }
    }

    private static unsafe void FusedRange(float* p, float* g, float* m, float* v, int n, float b1, float b2, float bc2Sqrt, float eps, float negStep)
    {
        int i = 0;
        float c1 = 1 - b1, c2 = 1 - b2;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var vb1 = Vector512.Create(b1); var vc1 = Vector512.Create(c1);
            var vb2 = Vector512.Create(b2); var vc2 = Vector512.Create(c2);
            var vbc = Vector512.Create(bc2Sqrt); var veps = Vector512.Create(eps);
            var vstep = Vector512.Create(negStep);
            for (; i <= n - 16; i += 16)
            {
                var gv = Vector512.Load(g + i);
                var mv = Vector512.FusedMultiplyAdd(gv, vc1, Vector512.Load(m + i) * vb1);
                var vv = Vector512.FusedMultiplyAdd(gv * gv, vc2, Vector512.Load(v + i) * vb2);
                mv.Store(m + i);
                vv.Store(v + i);
                var denom = Vector512.Sqrt(vv) / vbc + veps;
                Vector512.FusedMultiplyAdd(mv / denom, vstep, Vector512.Load(p + i)).Store(p + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported && n >= 8)
        {
            var vb1 = Vector256.Create(b1); var vc1 = Vector256.Create(c1);
            var vb2 = Vector256.Create(b2); var vc2 = Vector256.Create(c2);
            var vbc = Vector256.Create(bc2Sqrt); var veps = Vector256.Create(eps);
            var vstep = Vector256.Create(negStep);
            for (; i <= n - 8; i += 8)
            {
                var gv = Vector256.Load(g + i);
                var mv = Vector256.FusedMultiplyAdd(gv, vc1, Vector256.Load(m + i) * vb1);
                var vv = Vector256.FusedMultiplyAdd(gv * gv, vc2, Vector256.Load(v + i) * vb2);
                mv.Store(m + i);
                vv.Store(v + i);
                var denom = Vector256.Sqrt(vv) / vbc + veps;
                Vector256.FusedMultiplyAdd(mv / denom, vstep, Vector256.Load(p + i)).Store(p + i);
            }
        }
        for (; i < n; i++)
        {
            float gi = g[i];
            float mi = MathF.FusedMultiplyAdd(gi, c1, m[i] * b1);
            float vi = MathF.FusedMultiplyAdd(gi * gi, c2, v[i] * b2);
            m[i] = mi; v[i] = vi;
            p[i] = MathF.FusedMultiplyAdd(mi / (MathF.Sqrt(vi) / bc2Sqrt + eps), negStep, p[i]);
        }
    }
}
