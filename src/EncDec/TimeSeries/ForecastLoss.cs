using EncDec.Tensors;

namespace EncDec.TimeSeries;

/// <summary>The training losses of the three output kinds, composed from differentiable tensor ops.</summary>
public static class ForecastLoss
{
    /// <summary>Mean loss of outputs (B, H, n, K) against targets (B, H, n).</summary>
    public static Tensor Compute(ForecastConfig config, Tensor output, Tensor target)
    {
        var y = target.Unsqueeze(-1);                                        // (B, H, n, 1)
        switch (config.Output)
        {
            case ForecastOutput.Point:
                {
                    var e = y - output;                                      // (B, H, n, 1)
                    return config.PointLoss == PointLoss.Mse ? (e * e).Mean() : Abs(e).Mean();
                }
            case ForecastOutput.Quantile:
                return Pinball(output, y, config.Quantiles);
            default:
                {
                    var mean = output.Narrow(3, 0, 1);                        // (B, H, n, 1)
                    var std = Softplus(output.Narrow(3, 1, 1)) + 1e-3f;
                    var z = (y - mean) / std;
                    // −log N(y; μ, σ) = log σ + z²/2 + log(2π)/2
                    return (std.Log() + (z * z).MulScalar(0.5f)).Mean() + 0.5f * MathF.Log(2 * MathF.PI);
                }
        }
    }

    /// <summary>Pinball (quantile) loss: mean over every element of max(q·e, (q−1)·e), e = y − ŷ_q.</summary>
    public static Tensor Pinball(Tensor output, Tensor y, IReadOnlyList<float> quantiles)
    {
        var e = y - output;                                                  // (…, Q)
        var q = Tensor.FromArray(quantiles.ToArray(), quantiles.Count);      // (Q) broadcast over the last dim
        var oneMinus = Tensor.FromArray(quantiles.Select(v => 1 - v).ToArray(), quantiles.Count);
        return (e.Relu() * q + (-e).Relu() * oneMinus).Mean();
    }

    /// <summary>|x| as relu(x) + relu(−x).</summary>
    public static Tensor Abs(Tensor x) => x.Relu() + (-x).Relu();

    /// <summary>log(1 + eˣ), computed stably as relu(x) + log(1 + e^−|x|).</summary>
    public static Tensor Softplus(Tensor x) => x.Relu() + Abs(x).Neg().Exp().AddScalar(1f).Log();

    /// <summary>Softplus of a plain number (the Gaussian scale at inference).</summary>
    public static float Softplus(float x) => x > 0 ? x + MathF.Log(1 + MathF.Exp(-x)) : MathF.Log(1 + MathF.Exp(x));
}
