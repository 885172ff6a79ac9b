using System.Text.Json;
using System.Text.Json.Serialization;

namespace EncDec.TimeSeries;

/// <summary>
/// One immutable description of a forecasting encoder-decoder over real-valued vectors; stored as JSON with the
/// weights so a model file alone rebuilds the model. Each step's input is the target values (all
/// <see cref="Targets"/> series, multivariate) plus <see cref="Covariates"/> known-future features (calendar
/// features, covariate columns); an input projection replaces the token embedding.
/// </summary>
public sealed record ForecastConfig
{
    public ForecastArchitecture Architecture { get; init; } = ForecastArchitecture.Lstm;
    public ForecastOutput Output { get; init; } = ForecastOutput.Quantile;
    public PointLoss PointLoss { get; init; } = PointLoss.Mae;
    /// <summary>Quantile levels of a <see cref="ForecastOutput.Quantile"/> model, increasing in (0, 1).</summary>
    public float[] Quantiles { get; init; } = [0.1f, 0.5f, 0.9f];
    /// <summary>Number of target series predicted jointly.</summary>
    public int Targets { get; init; } = 1;
    /// <summary>Number of known-future covariates per step.</summary>
    public int Covariates { get; init; }
    public int Context { get; init; } = 104;
    public int Horizon { get; init; } = 26;
    /// <summary>Width of the recurrent state or of the Transformer (d_model).</summary>
    public int HiddenSize { get; init; } = 64;
    public int Layers { get; init; } = 1;
    public int Heads { get; init; } = 4;
    public int FeedForward { get; init; } = 128;
    public float Dropout { get; init; } = 0.1f;
    /// <summary>Measures each window in units of its context's standard deviation (besides subtracting its level), as RevIN does.</summary>
    public bool WindowScaling { get; init; } = true;
    /// <summary>Adds a linear map from the context straight to every horizon step (a linear-autoregressive part beside the network, as LSTNet's highway).</summary>
    public bool LinearSkip { get; init; } = true;
    /// <summary>
    /// The linear skip also reads each window's level (its last context value in standardised series units, over the
    /// window scale), so with its weights it can revert towards the series mean as an autoregression with coefficients
    /// not summing to one does; without it the skip sees only values relative to the level.
    /// </summary>
    public bool SkipLevel { get; init; }

    /// <summary>Numbers per target and step: 1 (point), the quantile count, or 2 (mean, log σ).</summary>
    [JsonIgnore]
    public int OutputsPerTarget => Output switch
    {
        ForecastOutput.Quantile => Quantiles.Length,
        ForecastOutput.Gaussian => 2,
        _ => 1,
    };

    /// <summary>Index of the output slot used as the point forecast (and fed back while decoding): the median-nearest quantile, the mean, the point.</summary>
    [JsonIgnore]
    public int PointSlot => Output == ForecastOutput.Quantile
        ? Array.IndexOf(Quantiles, Quantiles.OrderBy(q => Math.Abs(q - 0.5f)).First())
        : 0;

    /// <exception cref="UserInputException">A size or quantile list that cannot make a model.</exception>
    public void Validate()
    {
        if (Targets < 1) throw new UserInputException("--target: at least one target column is needed");
        if (Context < 1 || Horizon < 1) throw new UserInputException("--context and --horizon must be at least 1");
        if (HiddenSize < 1 || Layers < 1) throw new UserInputException("--hidden-size and --layers must be at least 1");
        if (Architecture == ForecastArchitecture.Transformer && (Heads < 1 || HiddenSize % Heads != 0))
            throw new UserInputException($"--heads: {Heads} does not divide --hidden-size {HiddenSize}");
        if (Dropout < 0 || Dropout >= 1) throw new UserInputException($"--dropout: {Dropout} is not in [0, 1)");
        if (Output == ForecastOutput.Quantile)
        {
            if (Quantiles.Length == 0) throw new UserInputException("--quantiles: no quantile given");
            for (int i = 0; i < Quantiles.Length; i++)
            {
                if (!(Quantiles[i] > 0 && Quantiles[i] < 1)) throw new UserInputException($"--quantiles: {Quantiles[i]} is not in (0, 1)");
                if (i > 0 && Quantiles[i] <= Quantiles[i - 1]) throw new UserInputException("--quantiles: levels must increase");
            }
        }
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ForecastConfig FromJson(string json, string source)
    {
        try { return JsonSerializer.Deserialize<ForecastConfig>(json, Json) ?? throw new UserInputException(source, null, "empty forecast config"); }
        catch (JsonException e) { throw new UserInputException(source, null, $"unreadable forecast config: {e.Message}"); }
    }
}
