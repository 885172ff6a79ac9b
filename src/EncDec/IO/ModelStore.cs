using EncDec.Models;
using EncDec.Nn;
using EncDec.Text;

namespace EncDec.IO;

/// <summary>A model rebuilt from a checkpoint: the module, its config, its tokenizers and the training step.</summary>
public sealed record LoadedModel(Module Model, ModelConfig Config, ITokenizer? SourceTokenizer, ITokenizer? TargetTokenizer, long Step, string Path);

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
        var ckpt = Checkpoint.Load(path);
        if (ckpt.ConfigJson is null) throw new UserInputException(path, null, "checkpoint has no model config");
        var config = ModelConfig.FromJson(ckpt.ConfigJson, path);
        var model = ModelFactory.Build(config);
        try { model.LoadStateDict(ckpt.Model); }
        catch (UserInputException e) { throw new UserInputException(path, null, e.Message); }
        model.Eval();
        ITokenizer? Tok(string key) => ckpt.Vocabularies.TryGetValue(key, out var json) ? Tokenizer.FromJson(json, $"{path} ({key} tokenizer)") : null;
        return new LoadedModel(model, config, Tok(SourceVocab), Tok(TargetVocab), ckpt.GlobalStep, path);
    }

    public static string Resolve(string pathOrRunDir)
    {
        if (File.Exists(pathOrRunDir)) return pathOrRunDir;
        if (Directory.Exists(pathOrRunDir))
        {
            foreach (var name in new[] { "model.safetensors", "best.safetensors" })
            {
                var p = Path.Combine(pathOrRunDir, name);
                if (File.Exists(p)) return p;
            }
            var ck = Path.Combine(pathOrRunDir, "checkpoints");
            if (Directory.Exists(ck))
            {
                var last = Directory.GetFiles(ck, "step_*.safetensors").OrderBy(p => p, StringComparer.Ordinal).LastOrDefault();
                if (last is not null) return last;
            }
            throw new UserInputException(pathOrRunDir, null, "no model.safetensors, best.safetensors or checkpoints/step_*.safetensors in this folder");
        }
        throw new UserInputException(pathOrRunDir, null, "model file or run folder not found");
    }
}
