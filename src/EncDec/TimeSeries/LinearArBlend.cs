namespace EncDec.TimeSeries;

/// <summary>
/// A forecast combination of the network with a linear autoregression, one <see cref="ArBlendPart"/> per target: the
/// point forecast becomes w·network + (1 − w)·AR (series units), and every quantile (a Gaussian's mean) is shifted in
/// the model's units by the amount that moves the network's point forecast there, so the interval keeps the network's
/// width (in transformed units) around the blended median and quantiles stay ordered. Stored in the model file.
/// </summary>
public sealed record LinearArBlend(IReadOnlyList<ArBlendPart> Targets)
{
    /// <summary>Network weights tried by <see cref="Choose"/>: 1 (the network alone), 0.95, …, 0 (the AR alone).</summary>
    public static IReadOnlyList<double> WeightGrid { get; } = Enumerable.Range(0, 21).Select(i => 1 - i / 20.0).ToArray();

    /// <summary>
    /// Per target, the AR (order by <see cref="LinearAutoregression.SelectOrder"/>, fit on the training rows, in series or
    /// model units when the targets are transformed) and network weight whose blended point forecasts have the lowest MAE on the validation windows;
    /// with <paramref name="weight"/> only the AR is chosen. Ties keep the larger network weight, then series units.
    /// </summary>
    /// <exception cref="UserInputException">No validation windows to choose on.</exception>
    public static LinearArBlend Choose(IReadOnlyList<ForecastModel> models, PreparedSeries s, double? weight = null)
    {
        if (s.ValidStarts.Length == 0)
            throw new UserInputException("--blend-linear-ar: no validation windows to choose the autoregression on (raise --valid-fraction)");
        if (weight is { } w0 && !(w0 >= 0 && w0 <= 1)) throw new UserInputException($"--blend-linear-ar: weight {w0} is not in [0, 1]");
        var starts = s.ValidStarts;
        var w = s.Spec.Windows;
        int C = w.Context, H = w.Horizon;
        var net = ForecastPrediction.Run(models, s.Data, s.Scaler, starts);
        var grid = weight is { } fixedW ? new[] { fixedW } : WeightGrid.ToArray();
        var parts = new List<ArBlendPart>();
        for (int j = 0; j < s.RawTargets.Count; j++)
        {
            var y = s.RawTargets[j];
            double scale = ForecastMetrics.SeasonalNaiveScale(y, s.Split.TrainEnd, s.Season);
            ArBlendPart? best = null; double bestMae = double.PositiveInfinity;
            // model units differ from series units only by an affine map unless the targets are transformed
            var spaces = s.Spec.Transform == SeriesTransform.None ? new[] { ArBlendSpace.Series } : new[] { ArBlendSpace.Series, ArBlendSpace.Model };
            foreach (var space in spaces)
            {
                var series = space == ArBlendSpace.Series ? y : s.Data.Targets[j];
                var ar = LinearAutoregression.SelectOrder(series, s.Split.TrainEnd, s.Season, w, starts);
                var part = new ArBlendPart(space, ar.Coefficients, 1);
                var arF = new float[starts.Length][];
                for (int i = 0; i < starts.Length; i++) arF[i] = part.ForecastSeries(s.Data.Targets[j].AsSpan(starts[i], C), H, s.Scaler, j);
                double Mae(double wt)
                {
                    double e = 0;
                    for (int i = 0; i < starts.Length; i++)
                        for (int h = 0; h < H; h++)
                            e += Math.Abs(wt * net.Point[i][h][j] + (1 - wt) * arF[i][h] - y[starts[i] + C + h]);
                    return e / (starts.Length * H);
                }
                double maseNetwork = Mae(1) / scale, maseAr = Mae(0) / scale;
                foreach (double wt in grid)
                {
                    double mae = Mae(wt);
                    if (!(mae < bestMae)) continue;
                    bestMae = mae;
                    best = part with { Weight = wt, ValidMaseNetwork = maseNetwork, ValidMaseAr = maseAr, ValidMaseBlend = mae / scale };
                }
            }
            parts.Add(best ?? throw new InvalidOperationException("no finite blend error"));
        }
        return new LinearArBlend(parts);
    }

    /// <summary>One line per target: weight, AR order and units, validation MASE of network, AR and blend.</summary>
    public string Describe(IReadOnlyList<string> targetNames) => string.Join("\n", Targets.Select((p, j) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"blend {targetNames[j]}: {p.Weight:0.00}·network + {1 - p.Weight:0.00}·AR({p.Order}, {(p.Space == ArBlendSpace.Series ? "series units" : "model units")}); valid MASE network {p.ValidMaseNetwork:0.000}, AR {p.ValidMaseAr:0.000}, blend {p.ValidMaseBlend:0.000}")));

    /// <summary>A one-line reason why this blend cannot apply to a model of <paramref name="cfg"/>, or null.</summary>
    public string? Problem(ForecastConfig cfg)
    {
        if (Targets.Count != cfg.Targets) return $"the linear-AR blend has {Targets.Count} targets, the model {cfg.Targets}";
        foreach (var p in Targets)
        {
            if (p.Order < 1 || p.Order > cfg.Context) return $"the linear-AR blend's order {p.Order} does not fit the context {cfg.Context}";
            if (!(p.Weight >= 0 && p.Weight <= 1)) return $"the linear-AR blend's weight {p.Weight} is not in [0, 1]";
            if (p.Coefficients.Any(c => !double.IsFinite(c))) return "the linear-AR blend has a non-finite coefficient";
        }
        return null;
    }
}
