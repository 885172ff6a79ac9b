namespace EncDec.TimeSeries;

/// <summary>Whether a forecaster's point forecasts are combined with a linear autoregression (<see cref="LinearArBlend"/>).</summary>
public enum ArBlendMode
{
    /// <summary>The network's forecasts as they are.</summary>
    Off,
    /// <summary>The network's weight chosen on the validation windows (a grid of 0, 0.05, …, 1; 1 is the network alone).</summary>
    Auto,
    /// <summary>A given weight (<see cref="ForecastTrainOptions.BlendWeight"/>).</summary>
    Fixed,
}
