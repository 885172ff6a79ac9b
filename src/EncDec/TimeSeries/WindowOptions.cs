namespace EncDec.TimeSeries;

/// <summary>Lengths of a forecasting window: <see cref="Context"/> observed steps, then <see cref="Horizon"/> steps to predict; windows start every <see cref="Stride"/> steps.</summary>
public sealed record WindowOptions(int Context, int Horizon, int Stride = 1)
{
    public void Validate()
    {
        if (Context < 1) throw new UserInputException($"--context: must be at least 1 (got {Context})");
        if (Horizon < 1) throw new UserInputException($"--horizon: must be at least 1 (got {Horizon})");
        if (Stride < 1) throw new UserInputException($"--stride: must be at least 1 (got {Stride})");
    }
}
