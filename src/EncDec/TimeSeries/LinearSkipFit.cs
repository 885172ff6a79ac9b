namespace EncDec.TimeSeries;

/// <summary>How the linear context→horizon part (<see cref="ForecastConfig.LinearSkip"/>) gets its weights.</summary>
public enum LinearSkipFit
{
    /// <summary>Starts at zero ("no change from the level") and is trained with the network.</summary>
    Trained,
    /// <summary>
    /// Fit before training by ridge least squares on the training windows (a direct multi-horizon linear
    /// autoregression, the ridge strength chosen on the validation windows) and then held fixed, so the network
    /// learns the residual of that linear forecast — a hybrid that starts from the linear model's accuracy.
    /// </summary>
    LeastSquares,
}
