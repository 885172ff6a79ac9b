namespace EncDec.TimeSeries;

/// <summary>Naive and seasonal-naive forecasts from a context.</summary>
public static class Baselines
{
    /// <summary>Every step repeats the last observed value.</summary>
    public static float[] Naive(ReadOnlySpan<float> context, int horizon)
    {
        var r = new float[horizon];
        Array.Fill(r, context[^1]);
        return r;
    }

    /// <summary>Step h repeats the value one (or more) whole seasons earlier: y_{T+h−m·⌈h/m⌉}; with a context shorter than the season, the naive forecast.</summary>
    public static float[] SeasonalNaive(ReadOnlySpan<float> context, int horizon, int season)
    {
        if (season <= 1 || context.Length < season) return Naive(context, horizon);
        var r = new float[horizon];
        int c = context.Length;
        for (int h = 1; h <= horizon; h++)
        {
            int back = season * ((h + season - 1) / season);
            r[h - 1] = context[c + h - 1 - back];
        }
        return r;
    }
}
