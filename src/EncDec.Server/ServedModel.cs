using System.Globalization;
using System.Text;
using EncDec.Generation;
using EncDec.IO;
using EncDec.Models;
using EncDec.Text;

namespace EncDec.Server;

/// <summary>
/// The model a server decodes with: the loaded checkpoint, its tokenizers, the library's <see cref="Generation.Translator"/>
/// over them (which encodes every text, prefix and phrase, decodes and detokenizes: the server encodes nothing itself), the
/// translation of a request's options into <see cref="GenerationOptions"/>, and the batching key (requests with equal keys
/// share a batch).
/// </summary>
public sealed class ServedModel : IDisposable
{
    /// <summary>The native checkpoint (null when another runtime, as ONNX Runtime, runs the model).</summary>
    public LoadedSeq2Seq? Loaded { get; }
    public ISeq2SeqModel Model { get; }
    public ITokenizer Source { get; }
    public ITokenizer Target { get; }
    /// <summary>Name shown in /v1/models and the responses: the run folder's or file's name.</summary>
    public string Name { get; }
    public ServedModelInfo Info { get; }
    /// <summary>
    /// The text pipeline of every request: <see cref="Translator.Encode"/> on the request thread,
    /// <see cref="Translator.Decode"/> of a whole batch on the decode thread (one chunk: batches are at most
    /// <see cref="ServerSettings.MaxBatchSize"/> texts).
    /// </summary>
    public Translator Translator { get; }

    public ServedModel(LoadedSeq2Seq loaded, string name)
    {
        Loaded = loaded; Model = loaded.Model; Source = loaded.SourceTokenizer; Target = loaded.TargetTokenizer; Name = name;
        Info = new ServedModelInfo(loaded.Path, loaded.Config.Family, Describe(loaded.Config), InferenceRuntimeKind.Native)
        { Parameters = loaded.Model.ParameterCount, Step = loaded.Step, ConfigJson = loaded.Config.ToJson() };
        Translator = NewTranslator(loaded.Model, Source, Target);
    }

    /// <summary>
    /// A model run by another runtime under EncDec's search (an ONNX export through ONNX Runtime): the decode contract, its
    /// tokenizers and what <c>/v1/models</c> reports. <see cref="Dispose"/> disposes <paramref name="model"/> when it is disposable.
    /// </summary>
    public ServedModel(ISeq2SeqModel model, ITokenizer source, ITokenizer target, string name, ServedModelInfo info)
    {
        Model = model; Source = source; Target = target; Name = name; Info = info;
        Translator = NewTranslator(model, source, target);
    }

    private static Translator NewTranslator(ISeq2SeqModel model, ITokenizer source, ITokenizer target)
        => new(model, source, target, new GenerationOptions(), batchSize: int.MaxValue);

    /// <summary>Loads a run folder or model file (a bad path or checkpoint is a <see cref="UserInputException"/>).</summary>
    public static ServedModel Load(string pathOrRun) => new(ModelStore.LoadSeq2Seq(pathOrRun), NameOf(pathOrRun));

    /// <summary>The name a model is served under: the run folder's name, or the file's without its extension.</summary>
    public static string NameOf(string pathOrRun)
    {
        string trimmed = pathOrRun.TrimEnd('/', '\\');
        string name = Directory.Exists(pathOrRun) ? Path.GetFileName(trimmed) : Path.GetFileNameWithoutExtension(trimmed);
        return string.IsNullOrEmpty(name) ? "model" : name;
    }

    public void Dispose() => (Model as IDisposable)?.Dispose();

    /// <summary>
    /// The texts of a request encoded by <see cref="Translator"/> with the request's generation options; an option the model
    /// cannot honour, or a constraint without target tokens, is a 400 naming the field.
    /// </summary>
    public IReadOnlyList<EncodedTranslationRequest> Encode(TranslateRequest r, ServerSettings limits)
    {
        var options = Options(r, limits);
        var encoded = r.Texts.Select(text => Translator.Encode(new TranslationRequest(text)
        {
            Options = options, Prefix = r.Prefix, RequiredPhrases = r.Constraints.Count > 0 ? r.Constraints : null,
        })).ToList();
        if (encoded.Count > 0 && encoded[0].DroppedPhrases.Count > 0)
            throw new RequestException(400, $"field 'constraints[{encoded[0].DroppedPhrases[0]}]' has no tokens in the target vocabulary");
        if (encoded.Count > 0)
        {
            try { encoded[0].Options.Validate(Model.TargetVocabSize); }   // the prefix and phrases, as ids, are the same for every text
            catch (ArgumentException e) { throw new RequestException(400, $"invalid options: {e.Message}"); }
        }
        return encoded;
    }

    /// <summary>The generation options of a request (its prefix and constraints aside: <see cref="Encode"/> adds them).</summary>
    public GenerationOptions Options(TranslateRequest r, ServerSettings limits)
    {
        int phrases = r.Constraints.Count;
        var o = new GenerationOptions
        {
            Strategy = r.Strategy,
            BeamSize = r.Strategy == DecodingStrategy.Beam ? Math.Max(r.Beam, phrases > 0 ? Math.Max(4, phrases + 1) : 1) : 1,
            NBest = r.NBest,
            LengthPenalty = r.Strategy == DecodingStrategy.Beam ? r.LengthPenalty : 0,
            MaxLength = r.MaxLength ?? limits.MaxOutputLength,
            MinLength = r.MinLength,
            Temperature = r.Temperature, TopK = r.TopK, TopP = r.TopP, TypicalP = r.TypicalP, MinP = r.MinP,
            RepetitionPenalty = r.RepetitionPenalty, NoRepeatNgramSize = r.NoRepeatNgram, Seed = r.Seed,
            ReturnAttention = r.ReturnAttention, ReturnTokenLogProbs = true,
            BosId = Vocabulary.BosId, EosId = Vocabulary.EosId, PadId = Vocabulary.PadId,
        };
        if (o.NBest > o.BeamSize && o.Strategy == DecodingStrategy.Beam) throw new RequestException(400, $"field 'n_best' ({o.NBest}) must be at most 'beam' ({o.BeamSize})");
        if (o.ReturnAttention && !Info.HasAttention) throw new RequestException(400, $"field 'return_attention': the {Info.Runtime.ToString().ToLowerInvariant()} runtime of this model returns no attention");
        if (o.MinLength > o.EffectiveMaxLength(0) && r.MaxLength is not null) throw new RequestException(400, "field 'min_length' must be at most 'max_length'");
        try { o.Validate(Model.TargetVocabSize); }
        catch (ArgumentException e) { throw new RequestException(400, $"invalid options: {e.Message}"); }
        return o;
    }

    /// <summary>Requests whose options give equal keys are decoded in one batch (everything but the texts is shared).</summary>
    public static string BatchKey(GenerationOptions o)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{o.Strategy}|{o.BeamSize}|{o.NBest}|{o.LengthPenalty:R}|{o.MaxLength}|{o.MinLength}|{o.Temperature:R}|{o.TopK}|{o.TopP:R}|{o.TypicalP:R}|{o.MinP:R}|{o.RepetitionPenalty:R}|{o.NoRepeatNgramSize}|{o.Seed}|{o.ReturnAttention}|");
        sb.AppendJoin(',', o.ForcedPrefix).Append('|');
        foreach (var p in o.RequiredPhrases) sb.AppendJoin(',', p).Append(';');
        return sb.ToString();
    }

    /// <summary>One line describing the architecture.</summary>
    public string Architecture => Info.Architecture;

    /// <summary>The architecture line of a model config.</summary>
    public static string Describe(ModelConfig c) => c.Family switch
    {
        ModelFamily.Transformer => $"transformer d_model={c.DModel} heads={c.Heads} ffn={c.FeedForward} layers={c.EncoderLayers}+{c.DecoderLayers}",
        ModelFamily.DecoderOnly => $"decoder-only lm d_model={c.DModel} heads={c.Heads} ffn={c.FeedForward} layers={c.DecoderLayers}",
        _ => $"rnn {c.Cell.ToString().ToLowerInvariant()} emb={c.DModel} hidden={c.HiddenSize} attention={c.Attention.ToString().ToLowerInvariant()}",
    };
}
