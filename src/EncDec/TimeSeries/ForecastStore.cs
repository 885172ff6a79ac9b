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
    public static void Save(string path, ForecastModel model, PreparedSeries s, LinearArBlend? blend = null) => Save(path, [model], s, blend);

    /// <summary>Writes an ensemble of models of one config (one model: the same file as <see cref="Save(string, ForecastModel, PreparedSeries, LinearArBlend?)"/>), with the linear-AR blend when given.</summary>
    public static void Save(string path, IReadOnlyList<ForecastModel> models, PreparedSeries s, LinearArBlend? blend = null)
    {
        if (models.Count == 0) throw new ArgumentException("no model to save");
        var cfg = models[0].Config;
        if (models.Any(m => m.Config != cfg && m.Config.ToJson() != cfg.ToJson())) throw new ArgumentException("ensemble members differ in config");
        var meta = new ForecastMeta(cfg, s.Spec, s.Scaler.Mean, s.Scaler.Std, s.CovariateScaler?.Mean, s.CovariateScaler?.Std, s.Season, models.Count, blend);
        var tensors = new Dictionary<string, Tensor>();
        for (int i = 0; i < models.Count; i++)
            foreach (var (name, t) in models[i].StateDict()) tensors[models.Count == 1 ? name : $"member{i}.{name}"] = t;
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { [MetaKey] = JsonSerializer.Serialize(meta, Json) });
    }

    /// <summary>Loads a single model written by <c>Save</c>.</summary>
    /// <exception cref="UserInputException">Not a forecaster file, an ensemble, or weights that do not fit its config.</exception>
    public static (ForecastModel Model, ForecastMeta Meta) Load(string path)
    {
        var (models, meta) = LoadAll(path);
        if (models.Count != 1) throw new UserInputException(path, null, $"an ensemble of {models.Count} models, not a single model");
        return (models[0], meta);
    }

    /// <summary>Loads the model or ensemble written by <c>Save</c>.</summary>
    /// <exception cref="UserInputException">Not a forecaster file, or weights that do not fit its config.</exception>
    public static (IReadOnlyList<ForecastModel> Models, ForecastMeta Meta) LoadAll(string path)
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
        if (meta.Members < 1) throw new UserInputException(path, null, $"forecast metadata names {meta.Members} members");
        if (meta.Blend?.Problem(meta.Config) is { } problem) throw new UserInputException(path, null, problem);
        var models = new List<ForecastModel>();
        for (int i = 0; i < meta.Members; i++)
        {
            string prefix = meta.Members == 1 ? "" : $"member{i}.";
            var own = meta.Members == 1 ? tensors
                : tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
            var model = new ForecastModel(meta.Config, new Rng(0));
            try { model.LoadStateDict(own); }
            catch (UserInputException e) { throw new UserInputException(path, null, e.Message); }
            model.Eval();
            models.Add(model);
        }
        return (models, meta);
    }

    private static string Oneline(string s) => s.ReplaceLineEndings(" ");
}
