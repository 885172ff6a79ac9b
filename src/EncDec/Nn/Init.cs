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

    /// <summary>
    /// In-place Xavier/Glorot uniform (PyTorch <c>xavier_uniform_</c>): every element of <paramref name="weight"/>
    /// is redrawn from U(±gain·√(6/(fanIn+fanOut))). The fans are given explicitly so that a slice of a packed
    /// matrix (e.g. the query rows of PyTorch's (3E, E) <c>in_proj_weight</c>) gets the packed matrix's bound.
    /// </summary>
    public static void XavierUniform_(Tensor weight, int fanIn, int fanOut, Rng? rng, float gain = 1f)
    {
        if (fanIn + fanOut <= 0) throw new ArgumentOutOfRangeException(nameof(fanIn), "fan_in + fan_out must be positive");
        float bound = gain * MathF.Sqrt(6f / (fanIn + fanOut));
        var r = rng ?? Rng.Global;
        var w = weight.Span;
        for (int i = 0; i < w.Length; i++) w[i] = bound * (2f * (float)r.NextDouble() - 1f);
    }

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
