using System.Text.Json;
using EncDec.IO;
using EncDec.Tensors;

namespace EncDec.TimeSeries;

/// <summary>Saves and loads forecasters as safetensors files (weights + JSON metadata), readable from Python.</summary>
public static class ForecastStore
{
    private const string MetaKey = "encdec_forecast";
    private static readonly JsonSerializerOptions Json = new();

    /// <summary>Writes the model and its metadata to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, ForecastModel model, PreparedSeries s)
    {
        var meta = new ForecastMeta(model.Config, s.Spec, s.Scaler.Mean, s.Scaler.Std, s.CovariateScaler?.Mean, s.CovariateScaler?.Std, s.Season);
        SafeTensors.Save(path, model.StateDict(), new Dictionary<string, string> { [MetaKey] = JsonSerializer.Serialize(meta, Json) });
    }

    /// <summary>Loads a model written by <see cref="Save"/>.</summary>
    /// <exception cref="UserInputException">Not a forecaster file, or weights that do not fit its config.</exception>
    public static (ForecastModel Model, ForecastMeta Meta) Load(string path)
    {
        if (!File.Exists(path)) throw new UserInputException(path, null, "file not found");
        IReadOnlyDictionary<string, Tensor> tensors; IReadOnlyDictionary<string, string> md;
        try { (tensors, md) = SafeTensors.Load(path); }
        catch (Exception e) when (e is InvalidDataException or JsonException or ArgumentException or EndOfStreamException)
        { throw new UserInputException(path, null, $"not a readable safetensors file ({Oneline(e.Message)})"); }
        if (!md.TryGetValue(MetaKey, out var json)) throw new UserInputException(path, null, "not a forecasting model (no forecast metadata; was it written by `encdec forecast train`?)");
        ForecastMeta meta;
        try { meta = JsonSerializer.Deserialize<ForecastMeta>(json, Json) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new UserInputException(path, null, $"unreadable forecast metadata: {Oneline(e.Message)}"); }
        var model = new ForecastModel(meta.Config, new Rng(0));
        try { model.LoadStateDict(tensors); }
        catch (UserInputException e) { throw new UserInputException(path, null, e.Message); }
        model.Eval();
        return (model, meta);
    }

    private static string Oneline(string s) => s.ReplaceLineEndings(" ");
}
