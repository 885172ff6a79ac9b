using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.IO;

/// <summary>
/// Int8 model files: a model file as <see cref="ModelStore.Save"/> writes it (config, tokenizers, float tensors), except
/// that the weight of each quantised <see cref="Linear"/> <c>P</c> is stored as <c>P.weight</c> of dtype I8 (out, in),
/// per-output-channel symmetric (<see cref="Int8Weight"/>), with its float scales as <c>P.weight_scale</c> (out).
/// <see cref="ModelStore.Load"/> recognises such a file by its <c>weight_scale</c> tensors and gives back a model whose
/// quantised layers run the int8 kernel (their float weights hold the dequantised values, q · scale).
/// Embedding tables are stored the same way, per row (one scale per token), and loaded as their dequantised floats: on the
/// Multi30k recipe model (8,000-token shared table) the float table alone would be 26% of the float file.
/// </summary>
public static class Int8Checkpoint
{
    public const string ScaleSuffix = ".weight_scale";
    private const string WeightSuffix = ".weight";
    /// <summary>Extra metadata key naming the quantisation scheme of an int8 file.</summary>
    public const string QuantizationKey = "quantization";
    public const string PerChannelInt8 = "int8-per-output-channel";
    /// <summary>Extra metadata key: "int8" when a tied output layer (stored float, as the embedding) runs on int8 once loaded.</summary>
    public const string TiedOutputKey = "tied_output";

    /// <summary>
    /// The Linear layers of <paramref name="model"/> that <c>Save</c> quantises: all whose weight is their own
    /// state-dict entry (not tied to an embedding), except those under a prefix of <paramref name="keepFloat"/>.
    /// </summary>
    public static IReadOnlyList<(string Name, Linear Layer)> Quantizable(Module model, IReadOnlyCollection<string> keepFloat)
    {
        var state = model.StateDict();
        var list = new List<(string, Linear)>();
        foreach (var (name, m) in model.NamedModules())
        {
            if (m is not Linear lin || name.Length == 0) continue;
            if (Int8Quantizer.IsKeptFloat(name, keepFloat)) continue;
            if (!state.TryGetValue(name + WeightSuffix, out var w) || !ReferenceEquals(w, lin.Weight)) continue;   // tied
            list.Add((name, lin));
        }
        return list;
    }

    /// <summary>
    /// The embedding tables <c>Save</c> stores as int8: all whose weight is their own state-dict entry, except those
    /// under a prefix of <paramref name="keepFloat"/> and those shared with an output layer kept float (a tied
    /// <c>generator</c> named there keeps its table float too).
    /// </summary>
    public static IReadOnlyList<(string Name, Embedding Table)> QuantizableEmbeddings(Module model, IReadOnlyCollection<string> keepFloat)
    {
        var state = model.StateDict();
        bool Kept(string name) => Int8Quantizer.IsKeptFloat(name, keepFloat);
        var keptStorage = new HashSet<object>(model.NamedModules().Where(m => m.Module is Linear && Kept(m.Name)).Select(m => (object)((Linear)m.Module).Weight.Storage),
                                              ReferenceEqualityComparer.Instance);
        var list = new List<(string, Embedding)>();
        foreach (var (name, m) in model.NamedModules())
        {
            if (m is not Embedding e || name.Length == 0 || Kept(name) || keptStorage.Contains(e.Weight.Storage)) continue;
            if (!state.TryGetValue(name + WeightSuffix, out var w) || !ReferenceEquals(w, e.Weight)) continue;
            list.Add((name, e));
        }
        return list;
    }

    /// <summary>
    /// Writes <paramref name="model"/> with int8 Linear weights (and int8 embedding tables, see
    /// <see cref="QuantizableEmbeddings"/>) atomically; returns the names of the Linear layers quantised.
    /// </summary>
    public static IReadOnlyList<string> Save(string path, Module model, ModelConfig config, ITokenizer? source, ITokenizer? target, long step,
                                             IReadOnlyCollection<string> keepFloat)
        => Save(path, model, config, source, target, step, keepFloat, out _);

    /// <inheritdoc cref="Save(string, Module, ModelConfig, ITokenizer?, ITokenizer?, long, IReadOnlyCollection{string})"/>
    public static IReadOnlyList<string> Save(string path, Module model, ModelConfig config, ITokenizer? source, ITokenizer? target, long step,
                                             IReadOnlyCollection<string> keepFloat, out IReadOnlyList<string> embeddings)
    {
        var floats = new Dictionary<string, Tensor>(model.StateDict(), StringComparer.Ordinal);
        var int8 = new Dictionary<string, Int8Tensor>(StringComparer.Ordinal);
        var names = new List<string>();
        using (TensorScope.Suspend())
            foreach (var (name, lin) in Quantizable(model, keepFloat))
            {
                var q = Int8Weight.Quantize(lin.Weight);
                floats.Remove(name + WeightSuffix);
                int8[name + WeightSuffix] = new Int8Tensor([q.OutFeatures, q.InFeatures], q.Data);         // (out, in)
                floats[name + ScaleSuffix] = Tensor.FromArray((float[])q.Scales.Clone(), q.OutFeatures);   // (out)
                names.Add(name);
            }
        var tables = new List<string>();
        using (TensorScope.Suspend())
            foreach (var (name, table) in QuantizableEmbeddings(model, keepFloat))
            {
                var q = Int8Weight.Quantize(table.Weight);                                                   // one scale per row (token)
                floats.Remove(name + WeightSuffix);
                int8[name + WeightSuffix] = new Int8Tensor([q.OutFeatures, q.InFeatures], q.Data);         // (num, dim)
                floats[name + ScaleSuffix] = Tensor.FromArray((float[])q.Scales.Clone(), q.OutFeatures);   // (num)
                tables.Add(name);
            }
        embeddings = tables;
        var vocabs = new Dictionary<string, string>();
        if (source is not null) vocabs[ModelStore.SourceVocab] = source.ToJson();
        if (target is not null) vocabs[ModelStore.TargetVocab] = target.ToJson();
        new Checkpoint
        {
            Model = floats, Int8Model = int8, ConfigJson = config.ToJson(), Vocabularies = vocabs, GlobalStep = step,
            Extra = TiedOutputs(model).Any(n => !Int8Quantizer.IsKeptFloat(n, keepFloat))
                ? new Dictionary<string, string> { [QuantizationKey] = PerChannelInt8, [TiedOutputKey] = "int8" }
                : new Dictionary<string, string> { [QuantizationKey] = PerChannelInt8 },
        }.Save(path);
        return names;
    }

    /// <summary>The names of the Linear layers whose weight is an embedding's (a tied output layer).</summary>
    private static IEnumerable<string> TiedOutputs(Module model)
    {
        var state = model.StateDict();
        foreach (var (name, m) in model.NamedModules())
            if (m is Linear lin && name.Length > 0 && !(state.TryGetValue(name + WeightSuffix, out var w) && ReferenceEquals(w, lin.Weight))) yield return name;
    }

    /// <summary>
    /// After loading an int8 file marked <see cref="TiedOutputKey"/>: the tied output layer runs on an int8 copy of the
    /// shared matrix (the embedding keeps the floats) — on the decoding benchmark it is as much as the rest of the model.
    /// </summary>
    public static void ApplyTiedOutput(Module model, IReadOnlyDictionary<string, string> extra)
    {
        if (extra.TryGetValue(TiedOutputKey, out var v) && v == "int8") Int8Quantizer.QuantizeTiedOutput(model);
    }

    /// <summary>The tensor shapes of a file's layout without its weight scales (what the float model must match).</summary>
    public static IReadOnlyDictionary<string, int[]> WithoutScales(IReadOnlyDictionary<string, int[]> shapes)
        => shapes.Where(kv => !kv.Key.EndsWith(ScaleSuffix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>
    /// Switches every Linear of <paramref name="model"/> that has a <c>weight_scale</c> in <paramref name="tensors"/> to the
    /// stored int8 weight and returns the float state dict to load (dequantised weights, no scales). Refuses in one line
    /// naming <paramref name="path"/> a scale without a Linear, a scale of the wrong length, a non-finite or negative
    /// scale, and int8 weights that are not integers in [−127, 127]. Returns the tensors unchanged for a float file.
    /// An embedding table with scales is loaded as its dequantised floats; <c>Layers</c> counts the Linear layers only.
    /// </summary>
    public static (IReadOnlyDictionary<string, Tensor> State, int Layers) Apply(Module model, IReadOnlyDictionary<string, Tensor> tensors, string path)
    {
        UserInputException Bad(string msg) => new(path, null, msg);
        var scales = tensors.Keys.Where(k => k.EndsWith(ScaleSuffix, StringComparison.Ordinal)).ToList();
        if (scales.Count == 0) return (tensors, 0);
        var modules = model.NamedModules().ToDictionary(m => m.Name, m => m.Module, StringComparer.Ordinal);
        var state = new Dictionary<string, Tensor>(tensors, StringComparer.Ordinal);
        int layers = 0;
        foreach (var key in scales)
        {
            string name = key[..^ScaleSuffix.Length];
            if (!modules.TryGetValue(name, out var m) || m is not (Linear or Embedding))
                throw Bad($"tensor '{key}' is a weight scale but '{name}' is not a linear layer or an embedding of the model");
            if (!tensors.TryGetValue(name + WeightSuffix, out var w)) throw Bad($"tensor '{key}' has no int8 weight '{name}{WeightSuffix}'");
            var (rows, columns, floatWeight, what) = m switch
            {
                Linear l => (l.OutFeatures, l.InFeatures, l.Weight, "output channels"),
                Embedding e => (e.NumEmbeddings, e.EmbeddingDim, e.Weight, "rows"),
                _ => throw new InvalidOperationException("unreachable: checked above"),
            };
            var s = tensors[key];
            if (s.Rank != 1 || s.Shape[0] != rows)
                throw Bad($"tensor '{key}' is {ShapeUtil.Format(s.Shape)} but '{name}' has {rows} {what}");
            if (!ShapeUtil.SameShape(w.Shape, floatWeight.Shape))
                throw Bad($"tensor '{name}{WeightSuffix}' is {ShapeUtil.Format(w.Shape)} but its config makes {ShapeUtil.Format(floatWeight.Shape)}");
            var sv = s.ContiguousRaw().Span.ToArray();
            foreach (var v in sv)
                if (!float.IsFinite(v) || v < 0) throw Bad($"tensor '{key}' holds the scale {v}, not a finite non-negative number");
            var wv = w.ContiguousRaw().Span;
            var q = new sbyte[wv.Length];
            for (int i = 0; i < wv.Length; i++)
            {
                float v = wv[i];
                if (!(v >= -127 && v <= 127) || v != MathF.Round(v))
                    throw Bad($"tensor '{name}{WeightSuffix}' has a scale but holds {v} (value {i}), not an int8 value in [-127, 127]");
                q[i] = (sbyte)v;
            }
            var int8 = new Int8Weight(rows, columns, q, sv);
            if (m is Linear lin) { lin.Int8 = int8; layers++; }
            state.Remove(key);
            using (TensorScope.Suspend()) state[name + WeightSuffix] = int8.Dequantize();
        }
        return (state, layers);
    }
}
