using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>
/// Scheduled sampling: at step i the decoder is fed the gold previous token with probability ε_i and the
/// model's own prediction otherwise. Implemented in two passes (Mihaylova &amp; Liu, 2019), which works for
/// both RNN and Transformer decoders: a teacher-forced pass without gradients yields predictions, then
/// each decoder input position (after BOS) is replaced by the prediction with probability 1 − ε_i, and the
/// training pass runs on the mixed inputs.
/// </summary>
public sealed record ScheduledSamplingOptions(SamplingDecay Decay = SamplingDecay.None, double K = 1.0, double C = 0.0, double MinGoldProbability = 0.0)
{
    /// <summary>Probability ε_i of feeding the gold token at training step <paramref name="step"/> (0-based).</summary>
    public double GoldProbability(long step) => Decay switch
    {
        SamplingDecay.None => 1.0,
        SamplingDecay.Linear => Math.Clamp(Math.Max(MinGoldProbability, K - C * step), 0.0, 1.0),
        SamplingDecay.Exponential => Math.Clamp(Math.Max(MinGoldProbability, Math.Pow(K, step)), 0.0, 1.0),
        SamplingDecay.InverseSigmoid => Math.Clamp(Math.Max(MinGoldProbability, K / (K + Math.Exp(step / K))), 0.0, 1.0),
        _ => throw new ArgumentOutOfRangeException(nameof(Decay)),
    };

    /// <summary>
    /// A schedule that decays over a run of <paramref name="maxSteps"/> steps (i = 0 … N − 1), with <paramref name="min"/> as
    /// the floor; <paramref name="k"/> / <paramref name="c"/> override the derived values. Linear: k = 1, c = (1 − min)/(N − 1),
    /// so ε reaches min at the last step. Exponential: k = max(min, 0.01)^(1/(N − 1)), reaching max(min, 0.01) at the last
    /// step (k^i never reaches 0). Inverse sigmoid: k ≥ 1 with k·ln k = N/2, so ε = 0.5 at half the run.
    /// </summary>
    public static ScheduledSamplingOptions ForRun(SamplingDecay decay, long maxSteps, double min = 0, double? k = null, double? c = null)
    {
        double last = Math.Max(maxSteps - 1, 1);
        return decay switch
        {
            SamplingDecay.None => new ScheduledSamplingOptions(SamplingDecay.None, MinGoldProbability: min),
            SamplingDecay.Linear => new ScheduledSamplingOptions(decay, k ?? 1.0, c ?? ((k ?? 1.0) - min) / last, min),
            SamplingDecay.Exponential => new ScheduledSamplingOptions(decay, k ?? Math.Pow(Math.Max(min, 0.01), 1 / last), c ?? 0, min),
            SamplingDecay.InverseSigmoid => new ScheduledSamplingOptions(decay, k ?? InverseSigmoidK(maxSteps / 2.0), c ?? 0, min),
            _ => throw new ArgumentOutOfRangeException(nameof(decay)),
        };
    }

    /// <summary>The k ≥ 1 with k·ln k = <paramref name="midpoint"/> (bisection; k·ln k grows monotonically for k ≥ 1).</summary>
    internal static double InverseSigmoidK(double midpoint)
    {
        if (midpoint <= 0) return 1;
        double lo = 1, hi = 2;
        while (hi * Math.Log(hi) < midpoint) hi *= 2;
        for (int i = 0; i < 100; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (mid * Math.Log(mid) < midpoint) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>
    /// Mixes decoder inputs: keeps BOS (column 0) and padding, and replaces the gold token at column t ≥ 1 by
    /// <paramref name="predicted"/>[t − 1] (the model's prediction for that position) with probability 1 − ε.
    /// Returns the mixed ids and how many positions were replaced.
    /// </summary>
    public static (int[] Mixed, int Replaced, int Eligible) Mix(int[] goldInputs, int[] predicted, int batch, int length,
                                                             int padId, double goldProbability, Rng rng)
    {
        var mixed = (int[])goldInputs.Clone();
        int replaced = 0, eligible = 0;
        for (int b = 0; b < batch; b++)
            for (int t = 1; t < length; t++)
            {
                int i = b * length + t;
                if (goldInputs[i] == padId) continue;
                eligible++;
                if (rng.NextDouble() >= goldProbability) { mixed[i] = predicted[b * length + t - 1]; replaced++; }
            }
        return (mixed, replaced, eligible);
    }
}
