using EncDec.Models;
using EncDec.Nn;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.IO;

/// <summary>
/// Saves and loads self-contained models: one safetensors file holds the weights, the model config and the tokenizers,
/// so the file alone rebuilds and runs the model.
/// </summary>
public static class ModelStore
{
    public const string SourceVocab = "source";
    public const string TargetVocab = "target";

    /// <summary>Writes weights + config + tokenizers atomically (no optimizer state).</summary>
    public static void Save(string path, Module model, ModelConfig config, ITokenizer? source, ITokenizer? target, long step = 0)
    {
        var vocabs = new Dictionary<string, string>();
        if (source is not null) vocabs[SourceVocab] = source.ToJson();
        if (target is not null) vocabs[TargetVocab] = target.ToJson();
        new Checkpoint { Model = model.StateDict(), ConfigJson = config.ToJson(), Vocabularies = vocabs, GlobalStep = step }.Save(path);
    }

    /// <summary>
    /// Resolves <paramref name="pathOrRunDir"/> (a model/checkpoint file, or a run folder: its model.safetensors,
    /// else best.safetensors, else the newest checkpoints/step_*.safetensors) and rebuilds the model.
    /// </summary>
    public static LoadedModel Load(string pathOrRunDir)
    {
        string path = Resolve(pathOrRunDir);
        // the config and the tensor shapes from the header first: a config asking for too much memory, or a file whose
        // tensors do not fit its config, fails in one line before any tensor is read
        var (configJson, shapes) = Checkpoint.ReadLayout(path);
        if (configJson is null) throw new UserInputException(path, null, "checkpoint has no model config");
        var config = ModelConfig.FromJson(configJson, path);
        var model = ModelFactory.Build(config);
        CheckShapes(path, model, Int8Checkpoint.WithoutScales(shapes));   // an int8 file: its weight scales are checked by Apply
        var ckpt = Checkpoint.Load(path);
        var (state, int8Layers) = Int8Checkpoint.Apply(model, ckpt.Model, path);
        try { model.LoadStateDict(state); }
        catch (UserInputException e) { throw new UserInputException(path, null, e.Message); }
        if (int8Layers > 0) Int8Checkpoint.ApplyTiedOutput(model, ckpt.Extra);
        model.Eval();
        ITokenizer? Tok(string key) => ckpt.Vocabularies.TryGetValue(key, out var json) ? Tokenizer.FromJson(json, $"{path} ({key} tokenizer)") : null;
        return new LoadedModel(model, config, Tok(SourceVocab), Tok(TargetVocab), ckpt.GlobalStep, path)
        { NonFiniteTensors = NonFinite(model), Int8Layers = int8Layers };
    }

    /// <summary>Refuses a file whose tensors differ from the model its config builds, naming the first difference and the count.</summary>
    private static void CheckShapes(string path, Module model, IReadOnlyDictionary<string, int[]> shapes)
    {
        var problems = new List<string>();
        foreach (var (name, t) in model.StateDict())
        {
            if (!shapes.TryGetValue(name, out var shape)) problems.Add($"tensor '{name}' is missing");
            else if (!Tensors.ShapeUtil.SameShape(shape, t.Shape))
                problems.Add($"tensor '{name}' is {Tensors.ShapeUtil.Format(shape)} but its config makes {Tensors.ShapeUtil.Format(t.Shape)}");
        }
        var own = model.StateDict();
        foreach (var name in shapes.Keys)
            if (!own.ContainsKey(name)) problems.Add($"tensor '{name}' is not part of the model its config describes");
        if (problems.Count > 0)
            throw new UserInputException(path, null, problems[0] + (problems.Count > 1 ? $" (and {problems.Count - 1} more differences)" : ""));
    }

    /// <summary>The weights (by name) holding a NaN or an infinity.</summary>
    public static IReadOnlyList<string> NonFinite(Module model)
    {
        var bad = new List<string>();
        foreach (var (name, t) in model.StateDict())
            if (t.Span.Length > 0 && !float.IsFinite(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(t.Span))) bad.Add(name);
        return bad;
    }

    /// <summary>
    /// <see cref="Load"/> for a model that decodes text to text: an encoder-decoder or a decoder-only LM, with both
    /// tokenizers; any other model, or a file without tokenizers, is a <see cref="UserInputException"/> naming the file.
    /// </summary>
    public static LoadedSeq2Seq LoadSeq2Seq(string pathOrRunDir)
    {
        var loaded = Load(pathOrRunDir);
        if (loaded.Model is not Seq2SeqModule model) throw new UserInputException(loaded.Path, null, $"a {loaded.Config.Family} model cannot translate");
        var (source, target) = BothTokenizers(loaded);
        return new LoadedSeq2Seq(model, loaded.Config, source, target, loaded.Step, loaded.Path);
    }

    /// <summary><see cref="Load"/> for a decoder-only language model with its tokenizer.</summary>
    public static LoadedLanguageModel LoadLanguageModel(string pathOrRunDir)
    {
        var loaded = Load(pathOrRunDir);
        if (loaded.Model is not DecoderOnlyLm model) throw new UserInputException(loaded.Path, null, $"a {loaded.Config.Family} model is not a language model");
        var (_, target) = BothTokenizers(loaded);
        return new LoadedLanguageModel(model, loaded.Config, target, loaded.Step, loaded.Path);
    }

    /// <summary><see cref="Load"/> for an encoder-only masked language model with its tokenizer.</summary>
    public static LoadedMaskedLm LoadMaskedLm(string pathOrRunDir)
    {
        var loaded = Load(pathOrRunDir);
        if (loaded.Model is not EncoderOnlyModel model) throw new UserInputException(loaded.Path, null, $"a {loaded.Config.Family} model is not a masked language model");
        var tokenizer = loaded.SourceTokenizer ?? throw new UserInputException(loaded.Path, null, "the checkpoint has no tokenizer");
        return new LoadedMaskedLm(model, loaded.Config, tokenizer, loaded.Step, loaded.Path);
    }

    /// <summary><see cref="Load"/> for a sequence classifier (an encoder-only model with a classification head) with its tokenizer.</summary>
    public static LoadedClassifier LoadClassifier(string pathOrRunDir)
    {
        var loaded = Load(pathOrRunDir);
        if (loaded.Model is not EncoderOnlyModel model || loaded.Config.NumClasses < 1)
            throw new UserInputException(loaded.Path, null, $"a {loaded.Config.Family} model without a classification head is not a classifier (encdec classify-train makes one)");
        var tokenizer = loaded.SourceTokenizer ?? throw new UserInputException(loaded.Path, null, "the checkpoint has no tokenizer");
        return new LoadedClassifier(new SequenceClassifier(model, loaded.Config), tokenizer, loaded.Step, loaded.Path);
    }

    private static (ITokenizer Source, ITokenizer Target) BothTokenizers(LoadedModel loaded)
        => loaded is { SourceTokenizer: { } source, TargetTokenizer: { } target }
            ? (source, target)
            : throw new UserInputException(loaded.Path, null, "the checkpoint has no tokenizers");

    public static string Resolve(string pathOrRunDir)
    {
        if (UnixFileSystem.KindOf(pathOrRunDir) is PathKind.Fifo or PathKind.CharacterDevice or PathKind.Socket)
            throw new UserInputException(pathOrRunDir, null, "a model needs a seekable file, not a pipe or a device: save it to a file first");
        if (File.Exists(pathOrRunDir)) return pathOrRunDir;
        if (Directory.Exists(pathOrRunDir))
        {
            foreach (var name in new[] { "model.safetensors", "best.safetensors" })
            {
                var p = Path.Combine(pathOrRunDir, name);
                if (File.Exists(p)) return p;
            }
            var last = RunCheckpoints.All(pathOrRunDir).LastOrDefault();
            if (last is not null) return last;
            throw new UserInputException(pathOrRunDir, null, $"no model.safetensors, best.safetensors or {RunCheckpoints.Folder}/{RunCheckpoints.Pattern} in this folder");
        }
        throw new UserInputException(pathOrRunDir, null, "model file or run folder not found");
    }
}
