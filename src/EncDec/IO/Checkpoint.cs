using System.Globalization;
using System.Text.Json;
using EncDec.Optim;
using EncDec.Tensors;

namespace EncDec.IO;

/// <summary>
/// A training checkpoint in one .safetensors file: model weights (keys prefixed <c>model.</c>), optimizer state
/// tensors (<c>optim.state.&lt;param&gt;.&lt;slot&gt;</c>) and, as string metadata, the model config JSON, vocabulary /
/// tokenizer JSON strings, the optimizer's counters and hyperparameters, the global step and named RNG states.
/// </summary>
public sealed record Checkpoint
{
    public const string FormatVersion = "1";
    public const string ModelPrefix = "model.";
    public const string OptimStatePrefix = "optim.state.";
    private const string KeyFormat = "encdec.format", KeyStep = "encdec.step", KeyConfig = "encdec.config",
        KeyVocabPrefix = "encdec.vocab.", KeyRngPrefix = "encdec.rng.", KeyOptim = "encdec.optim", KeyExtraPrefix = "extra.";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>Model parameters and buffers by their names.</summary>
    public required IReadOnlyDictionary<string, Tensor> Model { get; init; }
    /// <summary>Model tensors written as int8 (I8; an int8 checkpoint's quantised weights). On loading they come back in
    /// <see cref="Model"/> as floats holding the integer values.</summary>
    public IReadOnlyDictionary<string, Int8Tensor> Int8Model { get; init; } = new Dictionary<string, Int8Tensor>();
    /// <summary>The model configuration as JSON (opaque here).</summary>
    public string? ConfigJson { get; init; }
    /// <summary>Vocabulary / tokenizer JSON strings by role (for example "source", "target").</summary>
    public IReadOnlyDictionary<string, string> Vocabularies { get; init; } = new Dictionary<string, string>();
    public OptimizerStateDict? Optimizer { get; init; }
    /// <summary>Number of optimizer updates done so far.</summary>
    public long GlobalStep { get; init; }
    /// <summary>Generator states by role (for example "dropout", "data").</summary>
    public IReadOnlyDictionary<string, RngState> RngStates { get; init; } = new Dictionary<string, RngState>();
    /// <summary>Free-form string metadata.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    // DTOs for the optimizer metadata entry (tensors travel separately).
    private sealed record OptimMeta(OptimizerOptions Options, long StepCount, double Lr, IReadOnlyList<ParamGroupState> Groups, Dictionary<string, long> ParamSteps);

    /// <summary>Writes the checkpoint atomically.</summary>
    public void Save(string path)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, t) in Model) tensors.Add(ModelPrefix + k, t);
        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [KeyFormat] = FormatVersion,
            [KeyStep] = GlobalStep.ToString(CultureInfo.InvariantCulture),
        };
        if (ConfigJson is not null) meta[KeyConfig] = ConfigJson;
        foreach (var (k, v) in Vocabularies) meta[KeyVocabPrefix + k] = v;
        foreach (var (k, v) in RngStates) meta[KeyRngPrefix + k] = JsonSerializer.Serialize(v, Json);
        foreach (var (k, v) in Extra) meta[KeyExtraPrefix + k] = v;
        if (Optimizer is { } o)
        {
            var steps = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (name, ps) in o.State)
            {
                steps[name] = ps.Step;
                foreach (var (slot, t) in ps.Slots)
                {
                    if (slot.Contains('.')) throw new ArgumentException($"optimizer slot name '{slot}' must not contain '.'");
                    tensors.Add(OptimStatePrefix + name + "." + slot, t);
                }
            }
            var om = new OptimMeta(o.Options, o.StepCount, o.Lr, o.Groups, steps);
            meta[KeyOptim] = JsonSerializer.Serialize(om, Json);
        }
        SafeTensors.Save(path, tensors, meta, Int8Model.ToDictionary(kv => ModelPrefix + kv.Key, kv => kv.Value, StringComparer.Ordinal));
    }

    /// <summary>
    /// The model config and the shape of every model tensor of a checkpoint, from its header alone (no tensor is read),
    /// so that a loader can check them before allocating anything.
    /// </summary>
    public static (string? ConfigJson, IReadOnlyDictionary<string, int[]> ModelShapes) ReadLayout(string path)
    {
        var header = SafeTensors.ReadHeader(path);
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var t in header.Tensors)
            if (t.Name.StartsWith(ModelPrefix, StringComparison.Ordinal)) shapes[t.Name[ModelPrefix.Length..]] = t.Shape;
        return (header.Metadata.GetValueOrDefault(KeyConfig), shapes);
    }

    /// <summary>Reads a checkpoint written by <see cref="Save"/>; throws <see cref="UserInputException"/> naming the file.</summary>
    public static Checkpoint Load(string path)
    {
        var (tensors, meta) = SafeTensors.Load(path);
        return FromSafeTensors(tensors, meta, path);
    }

    /// <summary>Builds a checkpoint from the tensors and string metadata of a safetensors file, checking every
    /// metadata entry (types and ranges); throws <see cref="UserInputException"/> naming <paramref name="path"/>.</summary>
    public static Checkpoint FromSafeTensors(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> meta, string path)
    {
        UserInputException Bad(string msg) => new(path, null, msg);
        if (!meta.TryGetValue(KeyFormat, out var fmt)) throw Bad($"not an EncDec checkpoint (no '{KeyFormat}' metadata)");
        if (fmt != FormatVersion) throw Bad($"unsupported checkpoint format version '{fmt}' (expected {FormatVersion})");
        if (!meta.TryGetValue(KeyStep, out var stepText) || !long.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            throw Bad($"missing or invalid '{KeyStep}' metadata");

        var model = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var optimTensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, t) in tensors)
        {
            if (k.StartsWith(ModelPrefix, StringComparison.Ordinal)) model[k[ModelPrefix.Length..]] = t;
            else if (k.StartsWith(OptimStatePrefix, StringComparison.Ordinal)) optimTensors[k[OptimStatePrefix.Length..]] = t;
            else throw Bad($"unexpected tensor '{k}' (expected the prefixes '{ModelPrefix}' or '{OptimStatePrefix}')");
        }

        var vocabs = new Dictionary<string, string>(StringComparer.Ordinal);
        var rngs = new Dictionary<string, RngState>(StringComparer.Ordinal);
        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in meta)
        {
            if (k.StartsWith(KeyVocabPrefix, StringComparison.Ordinal)) vocabs[k[KeyVocabPrefix.Length..]] = v;
            else if (k.StartsWith(KeyExtraPrefix, StringComparison.Ordinal)) extra[k[KeyExtraPrefix.Length..]] = v;
            else if (k.StartsWith(KeyRngPrefix, StringComparison.Ordinal))
                rngs[k[KeyRngPrefix.Length..]] = CheckRng(Deserialize<RngState>(v, k, path), k, path);
        }

        OptimizerStateDict? optim = null;
        if (meta.TryGetValue(KeyOptim, out var optimJson))
        {
            var om = Deserialize<OptimMeta>(optimJson, KeyOptim, path);
            CheckOptim(om, path);
            var slots = new Dictionary<string, Dictionary<string, Tensor>>(StringComparer.Ordinal);
            foreach (var name in om.ParamSteps.Keys) slots[name] = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (k, t) in optimTensors)
            {
                int dot = k.LastIndexOf('.');
                if (dot <= 0 || !slots.TryGetValue(k[..dot], out var d))
                    throw Bad($"optimizer tensor '{OptimStatePrefix}{k}' belongs to no parameter listed in '{KeyOptim}'");
                d[k[(dot + 1)..]] = t;
            }
            var state = slots.ToDictionary(kv => kv.Key, kv => new ParamState(om.ParamSteps[kv.Key], kv.Value), StringComparer.Ordinal);
            optim = new OptimizerStateDict(om.Options, om.StepCount, om.Lr, om.Groups, state);
        }
        else if (optimTensors.Count > 0) throw Bad($"optimizer tensors present but no '{KeyOptim}' metadata");

        return new Checkpoint
        {
            Model = model,
            ConfigJson = meta.GetValueOrDefault(KeyConfig),
            Vocabularies = vocabs,
            Optimizer = optim,
            GlobalStep = step,
            RngStates = rngs,
            Extra = extra,
        };
    }

    private static T Deserialize<T>(string json, string key, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json) ?? throw new JsonException("null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            string msg = e.Message.ReplaceLineEndings(" ");
            if (msg.Length > 200) msg = msg[..200] + "…";
            throw new UserInputException(path, null, $"metadata '{key}' is not valid: {msg}");
        }
    }

    private static RngState CheckRng(RngState s, string key, string path)
    {
        if ((s.S0 | s.S1 | s.S2 | s.S3) == 0) throw new UserInputException(path, null, $"metadata '{key}': a generator state of all zeros is invalid");
        if (s.Spare is { } sp && !double.IsFinite(sp)) throw new UserInputException(path, null, $"metadata '{key}': spare value {sp} is not finite");
        return s;
    }

    /// <summary>Every field of the optimizer metadata present, known and in range.</summary>
    private static void CheckOptim(OptimMeta om, string path)
    {
        void Check(bool ok, string what) { if (!ok) throw new UserInputException(path, null, $"metadata '{KeyOptim}': {what}"); }
        Check(om.Options is not null && om.Groups is not null && om.ParamSteps is not null, "incomplete (needs Options, Groups and ParamSteps)");
        var o = om.Options!;
        Check(Enum.IsDefined(o.Kind), $"unknown optimizer kind {(int)o.Kind}");
        static bool Finite(double v) => double.IsFinite(v) && v >= 0;
        Check(Finite(o.Lr) && Finite(o.WeightDecay) && Finite(o.Momentum) && Finite(o.Dampening) && Finite(o.LrDecay)
              && Finite(o.InitialAccumulatorValue), "a hyperparameter is negative or not finite");
        Check(o.Beta1 is >= 0 and < 1 && o.Beta2 is >= 0 and < 1, $"betas ({o.Beta1}, {o.Beta2}) must be in [0, 1)");
        Check(o.Eps is null or > 0 && (o.Eps is not { } e || double.IsFinite(e)), $"eps {o.Eps} must be positive");
        Check(om.StepCount >= 0, $"step count {om.StepCount} is negative");
        Check(Finite(om.Lr), $"learning rate {om.Lr} is negative or not finite");
        foreach (var g in om.Groups!)
        {
            Check(g is not null && g.ParamNames is not null, "a parameter group is null or has no parameter names");
            Check(g!.ParamNames!.All(n => n is not null), "a parameter group lists a null parameter name");
            Check(Finite(g.Lr) && Finite(g.LrScale) && Finite(g.WeightDecay), "a parameter group setting is negative or not finite");
        }
        foreach (var (name, steps) in om.ParamSteps!)
            Check(steps >= 0, $"parameter '{name}' has a negative step count {steps}");
    }
}
