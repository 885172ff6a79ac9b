using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// Parameter initialisers (PyTorch's defaults). Every tensor they return is persistent (never released by a
/// <see cref="TensorScope"/>) and requires grad. Without an explicit generator they draw from <see cref="Rng.Global"/>.
/// </summary>
public static class Init
{
    public static Tensor Uniform(float bound, Rng? rng, params int[] shape)
    {
        using (TensorScope.Suspend())
            return Tensor.Uniform(rng ?? Rng.Global, -bound, bound, shape).RequiresGrad_();
    }

    public static Tensor Normal(float std, Rng? rng, params int[] shape)
    {
        using (TensorScope.Suspend())
            return Tensor.Normal(rng ?? Rng.Global, 0f, std, shape).RequiresGrad_();
    }

    public static Tensor Constant(float value, params int[] shape)
    {
        using (TensorScope.Suspend())
            return Tensor.Full(value, shape).RequiresGrad_();
    }

    /// <summary>Xavier/Glorot uniform: U(±gain·√(6/(fan_in+fan_out))).</summary>
    public static Tensor XavierUniform(int fanOut, int fanIn, Rng? rng, float gain = 1f)
        => Uniform(gain * MathF.Sqrt(6f / (fanIn + fanOut)), rng, fanOut, fanIn);

    /// <summary>A persistent, non-trainable tensor (buffers, tables).</summary>
    public static Tensor Buffer(Tensor values)
    {
        using (TensorScope.Suspend())
        {
            var t = Tensor.Empty(values.Shape);
            values.CopyTo(t.Span);
            return t;
        }
    }
}
