namespace EncDec.TimeSeries;

/// <summary>How a forecaster is trained: AdamW with a cosine-decayed learning rate, gradient clipping, validation every
/// <see cref="ValidEvery"/> steps on autoregressive forecasts, the best weights kept, early stopping after
/// <see cref="Patience"/> validations without improvement, and a wall-clock limit.</summary>
public sealed record ForecastTrainOptions
{
    public int Steps { get; init; } = 1500;
    public int BatchSize { get; init; } = 64;
    public double Lr { get; init; } = 3e-3;
    public double WeightDecay { get; init; } = 1e-4;
    public double ClipNorm { get; init; } = 1.0;
    public int ValidEvery { get; init; } = 100;
    public int Patience { get; init; } = 6;
    public double MaxSeconds { get; init; } = 170;
    public ulong Seed { get; init; } = 1;
    /// <summary>
    /// Share of training batches run teacher-forced (the decoder reads the true previous values); the others run free
    /// (it reads its own previous forecasts, as at inference), so the quantiles learn multi-step uncertainty.
    /// </summary>
    public double TeacherForcing { get; init; } = 0.5;
    /// <summary>
    /// Members of an ensemble: that many models trained alike with seeds <see cref="Seed"/>, Seed+1, …, each within
    /// <see cref="MaxSeconds"/> / Ensemble; forecasts take the median of the members' outputs (quantile by quantile).
    /// </summary>
    public int Ensemble { get; init; } = 1;
    /// <summary>How the linear skip part is fit (ignored without <see cref="ForecastConfig.LinearSkip"/>).</summary>
    public LinearSkipFit SkipFit { get; init; } = LinearSkipFit.Trained;
    /// <summary>Whether the trained forecaster is combined with a linear autoregression (<see cref="LinearArBlend"/>), chosen on the validation windows.</summary>
    public ArBlendMode BlendLinearAr { get; init; } = ArBlendMode.Off;
    /// <summary>The network's weight in the blend when <see cref="BlendLinearAr"/> is <see cref="ArBlendMode.Fixed"/>, in [0, 1].</summary>
    public double BlendWeight { get; init; } = double.NaN;
}
