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
                    var logSigma = output.Narrow(3, 1, 1);
                    var z = (y - mean) * logSigma.Neg().Exp();
                    // −log N(y; μ, σ) = log σ + z²/2 + log(2π)/2
                    return (logSigma + (z * z).MulScalar(0.5f)).Mean() + 0.5f * MathF.Log(2 * MathF.PI);
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
}
