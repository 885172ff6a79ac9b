namespace EncDec.Training;

/// <summary>
/// Gradual pruning schedule of Zhu &amp; Gupta (2017): s_t = s_f + (s_i − s_f)·(1 − (t − t₀)/n)³ for t₀ ≤ t ≤ t₀ + n,
/// s_i before t₀ and s_f after; it prunes fast at first, while redundant weights are plentiful, and slowly near the end.
/// </summary>
public sealed record CubicSparsitySchedule(double Final, long Steps, double Initial = 0, long Start = 0)
{
    public double At(long step)
    {
        if (step <= Start) return Initial;
        if (step >= Start + Steps) return Final;
        double f = 1.0 - (double)(step - Start) / Steps;
        return Final + (Initial - Final) * f * f * f;
    }
}
