namespace EncDec.TimeSeries;

/// <summary>
/// A linear autoregression y_t = c + Σᵢ aᵢ·y_{t−i} (i = 1…p), fit by least squares on the training rows, forecasting
/// several steps recursively (each forecast becomes an input of the next).
/// </summary>
public sealed class LinearAutoregression
{
    public int Order { get; }
    /// <summary>Intercept, then a₁ … a_p.</summary>
    public double[] Coefficients { get; }

    private LinearAutoregression(int order, double[] coefficients) { Order = order; Coefficients = coefficients; }

    /// <summary>The AR with these coefficients (intercept, then a₁ … a_p; p ≥ 1).</summary>
    public static LinearAutoregression FromCoefficients(double[] coefficients)
        => coefficients.Length >= 2 ? new(coefficients.Length - 1, (double[])coefficients.Clone()) : throw new ArgumentException("an AR needs an intercept and at least one coefficient");

    /// <summary>Fits AR(<paramref name="order"/>) on rows [0, <paramref name="trainEnd"/>) of <paramref name="series"/> (normal equations, tiny ridge for stability).</summary>
    public static LinearAutoregression Fit(IReadOnlyList<float> series, int trainEnd, int order)
    {
        if (order < 1 || trainEnd <= order + 1) throw new ArgumentException($"AR({order}) needs more than {order + 1} training rows");
        int k = order + 1;
        var xtx = new double[k, k]; var xty = new double[k];
        var row = new double[k];
        for (int t = order; t < trainEnd; t++)
        {
            row[0] = 1;
            for (int i = 1; i <= order; i++) row[i] = series[t - i];
            double y = series[t];
            for (int a = 0; a < k; a++)
            {
                xty[a] += row[a] * y;
                for (int b = 0; b < k; b++) xtx[a, b] += row[a] * row[b];
            }
        }
        double trace = 0;
        for (int a = 0; a < k; a++) trace += xtx[a, a];
        for (int a = 1; a < k; a++) xtx[a, a] += 1e-9 * trace / k;
        return new LinearAutoregression(order, Solve(xtx, xty));
    }

    /// <summary>Recursive forecast of <paramref name="horizon"/> steps after <paramref name="context"/> (its last <see cref="Order"/> values are used).</summary>
    public float[] Forecast(ReadOnlySpan<float> context, int horizon)
    {
        if (context.Length < Order) throw new ArgumentException($"AR({Order}) needs {Order} context values");
        var hist = new List<double>();
        for (int i = context.Length - Order; i < context.Length; i++) hist.Add(context[i]);
        var r = new float[horizon];
        for (int h = 0; h < horizon; h++)
        {
            double y = Coefficients[0];
            for (int i = 1; i <= Order; i++) y += Coefficients[i] * hist[^i];
            hist.Add(y);
            r[h] = (float)y;
        }
        return r;
    }

    /// <summary>
    /// The order from a small grid (1, 2, 3, 6, 12, m, m+1, 2m, 2m+1, capped by the context length) whose recursive
    /// forecasts have the lowest MAE on the validation windows at <paramref name="validStarts"/>; the model is refit on the training rows.
    /// </summary>
    public static LinearAutoregression SelectOrder(IReadOnlyList<float> series, int trainEnd, int season, WindowOptions w, int[] validStarts)
    {
        var grid = new[] { 1, 2, 3, 6, 12, season, season + 1, 2 * season, 2 * season + 1 }
            .Where(p => p >= 1 && p <= w.Context && trainEnd > 5 * (p + 1)).Distinct().OrderBy(p => p).ToList();
        if (grid.Count == 0) grid.Add(1);
        LinearAutoregression? best = null; double bestErr = double.PositiveInfinity;
        var arr = series as float[] ?? series.ToArray();
        foreach (int p in grid)
        {
            var ar = Fit(arr, trainEnd, p);
            if (validStarts.Length == 0) { if (best is null || p > best.Order) best = ar; continue; }
            double err = 0; int count = 0;
            foreach (int s in validStarts)
            {
                var f = ar.Forecast(arr.AsSpan(s, w.Context), w.Horizon);
                for (int h = 0; h < w.Horizon; h++) { err += Math.Abs(f[h] - arr[s + w.Context + h]); count++; }
            }
            err /= count;
            if (double.IsFinite(err) && err < bestErr) { bestErr = err; best = ar; }
        }
        return best ?? Fit(arr, trainEnd, grid[0]);
    }

    /// <summary>Solves a·x = b by Gaussian elimination with partial pivoting (a singular pivot gives 0).</summary>
    internal static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone(); var x = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            int piv = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[piv, c])) piv = r;
            if (piv != c)
            {
                for (int j = 0; j < n; j++) (m[c, j], m[piv, j]) = (m[piv, j], m[c, j]);
                (x[c], x[piv]) = (x[piv], x[c]);
            }
            double d = m[c, c];
            if (Math.Abs(d) < 1e-300) continue;
            for (int r = c + 1; r < n; r++)
            {
                double f = m[r, c] / d;
                if (f == 0) continue;
                for (int j = c; j < n; j++) m[r, j] -= f * m[c, j];
                x[r] -= f * x[c];
            }
        }
        var sol = new double[n];
        for (int r = n - 1; r >= 0; r--)
        {
            double s = x[r];
            for (int j = r + 1; j < n; j++) s -= m[r, j] * sol[j];
            sol[r] = Math.Abs(m[r, r]) < 1e-300 ? 0 : s / m[r, r];
        }
        return sol;
    }
}
