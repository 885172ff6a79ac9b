namespace EncDec.Training;

/// <summary>How the probability of feeding the gold token decays over training (Bengio et al., 2015).</summary>
public enum SamplingDecay
{
    /// <summary>Always feed the gold token (plain teacher forcing).</summary>
    None,
    /// <summary>ε_i = max(ε_min, k − c·i).</summary>
    Linear,
    /// <summary>ε_i = max(ε_min, k^i) with k &lt; 1.</summary>
    Exponential,
    /// <summary>ε_i = max(ε_min, k / (k + exp(i / k))) with k ≥ 1.</summary>
    InverseSigmoid,
}
