using EncDec.Tensors;

namespace EncDec.TimeSeries;

/// <summary>
/// The scaled arrays a forecaster reads: target series (n columns of <see cref="Length"/> rows, standardised by the
/// training-window scaler) and known covariates for <see cref="CovariateRows"/> ≥ Length rows (rows past the data
/// are the future a forecast covers). Builds <see cref="ForecastBatch"/>es of windows by their start rows.
/// </summary>
public sealed class ForecastData
{
    public float[][] Targets { get; }
    /// <summary>Covariates by row: (rows, k).</summary>
    public float[][] Covariates { get; }
    public int Length { get; }
    public int CovariateRows => Covariates.Length;
    public int CovariateCount => Covariates.Length == 0 ? 0 : Covariates[0].Length;

    public ForecastData(float[][] targets, float[][] covariates)
    {
        Targets = targets;
        Length = targets[0].Length;
        if (targets.Any(t => t.Length != Length)) throw new ArgumentException("target columns differ in length");
        if (covariates.Length < Length) throw new ArgumentException($"{covariates.Length} covariate rows for {Length} rows of data");
        Covariates = covariates;
    }

    /// <summary>
    /// Windows starting at <paramref name="starts"/>: context rows [s, s+C) and horizon rows [s+C, s+C+H). With
    /// <paramref name="withFuture"/> the horizon's values must lie in the data; covariates must always cover it.
    /// </summary>
    public ForecastBatch Batch(IReadOnlyList<int> starts, ForecastConfig cfg, bool withFuture)
    {
        int B = starts.Count, C = cfg.Context, H = cfg.Horizon, n = Targets.Length, k = CovariateCount;
        if (k != cfg.Covariates) throw new ArgumentException($"the data has {k} covariates, the model {cfg.Covariates}");
        var ctx = Tensor.Empty(B, C, n);                                   // (B, C, n)
        var fut = withFuture ? Tensor.Empty(B, H, n) : null;               // (B, H, n)
        var cc = k > 0 ? Tensor.Empty(B, C, k) : null;                     // (B, C, k)
        var fc = k > 0 ? Tensor.Empty(B, H, k) : null;                     // (B, H, k)
        var cs = ctx.Span;
        for (int b = 0; b < B; b++)
        {
            int s = starts[b];
            if (s < 0 || s + C > Length || (withFuture && s + C + H > Length) || s + C + H > CovariateRows)
                throw new ArgumentOutOfRangeException(nameof(starts), $"window at row {s} does not fit the data");
            for (int t = 0; t < C; t++)
                for (int j = 0; j < n; j++) cs[(b * C + t) * n + j] = Targets[j][s + t];
            if (fut is not null)
            {
                var fs = fut.Span;
                for (int t = 0; t < H; t++)
                    for (int j = 0; j < n; j++) fs[(b * H + t) * n + j] = Targets[j][s + C + t];
            }
            if (k > 0)
            {
                var ccs = cc!.Span; var fcs = fc!.Span;
                for (int t = 0; t < C; t++) Covariates[s + t].CopyTo(ccs.Slice((b * C + t) * k, k));
                for (int t = 0; t < H; t++) Covariates[s + C + t].CopyTo(fcs.Slice((b * H + t) * k, k));
            }
        }
        return new ForecastBatch(ctx, cc, fc, fut);
    }
}
