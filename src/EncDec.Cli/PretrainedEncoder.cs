using EncDec.IO;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Text;

namespace EncDec.Cli;

/// <summary>
/// The encoder of an <c>encdec pretrain</c> run (<c>--init-encoder</c>): checks that a Transformer encoder-decoder has
/// its structure and tokenizer, and copies its <c>src_embed.*</c> and <c>encoder.*</c> weights into it.
/// </summary>
internal sealed class PretrainedEncoder
{
    private const string Flag = "--init-encoder";
    private readonly EncoderOnlyModel _model;

    private PretrainedEncoder(EncoderOnlyModel model, ModelConfig config, ITokenizer tokenizer, string path)
    {
        _model = model; Config = config; Tokenizer = tokenizer; Path = path;
    }

    public ModelConfig Config { get; }
    /// <summary>The pretrain run's tokenizer: the source tokenizer of the run being initialised.</summary>
    public ITokenizer Tokenizer { get; }
    public string Path { get; }
    /// <summary>The pretrained weights by name.</summary>
    public IReadOnlyDictionary<string, Tensors.Tensor> State => _model.EncoderState();

    /// <summary>Loads a pretrain run folder or model file.</summary>
    public static PretrainedEncoder Load(string pathOrRun)
    {
        if (!File.Exists(pathOrRun) && !Directory.Exists(pathOrRun)) throw new UserInputException(pathOrRun, null, $"{Flag}: pretrain run or model file not found");
        var loaded = ModelStore.Load(pathOrRun);
        if (loaded.Model is not EncoderOnlyModel enc)
            throw new UserInputException(loaded.Path, null, $"{Flag}: a {loaded.Config.Family} model, not a pretrained encoder (made by encdec pretrain)");
        var tok = loaded.SourceTokenizer ?? throw new UserInputException(loaded.Path, null, $"{Flag}: the model file has no tokenizer");
        return new PretrainedEncoder(enc, loaded.Config, tok, loaded.Path);
    }

    /// <summary>Refuses a source tokenizer other than the pretrain run's.</summary>
    public void CheckTokenizer(ITokenizer source)
    {
        if (source.ToJson() != Tokenizer.ToJson())
            throw new UserInputException(Path, null,
                $"{Flag}: the source tokenizer is not this pretrain run's; leave out --src-tokenizer (and start with --fresh) so that the pretrain tokenizer is used");
    }

    /// <summary>Refuses a model whose encoder differs in structure, naming the setting.</summary>
    public void CheckConfig(ModelConfig c)
    {
        if (c.Family != ModelFamily.Transformer) throw new UserInputException($"{Flag} needs --model transformer, got {c.Family.ToString().ToLowerInvariant()}");
        void Same<T>(T mine, T theirs, string setting)
        {
            if (!EqualityComparer<T>.Default.Equals(mine, theirs))
                throw new UserInputException(Path, null, $"{Flag}: {setting} is {Show(mine)} but the pretrained encoder has {Show(theirs)}");
        }
        Same(c.SrcVocabSize, Config.SrcVocabSize, "the source vocabulary size");
        Same(c.DModel, Config.DModel, "d_model (--d-model)");
        Same(c.Heads, Config.Heads, "heads (--heads)");
        Same(c.FeedForward, Config.FeedForward, "feed_forward (--feed-forward)");
        Same(c.EncoderLayers, Config.EncoderLayers, "encoder_layers (--encoder-layers)");
        Same(c.Norm, Config.Norm, "norm (--norm)");
        Same(c.Activation, Config.Activation, "activation (--activation)");
        Same(c.Positional, Config.Positional, "positions (--positions)");
        Same(c.MaxPositions, Config.MaxPositions, "the position table size (from max_length, --max-length)");
    }

    private static string Show<T>(T v) => v is Enum e ? e.ToString().ToLowerInvariant() : v?.ToString() ?? "";

    /// <summary>Copies the pretrained embedding and encoder weights into <paramref name="model"/>.</summary>
    public void LoadInto(Module model) => model.LoadStateDict(_model.EncoderState(), strict: false);
}
