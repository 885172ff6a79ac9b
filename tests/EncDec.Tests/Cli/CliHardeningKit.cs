using EncDec.IO;
using EncDec.Models;
using EncDec.Text;

namespace EncDec.Tests.Cli;

/// <summary>Tiny untrained models and input files for the hostile-input tests (nothing here trains).</summary>
internal static class CliHardeningKit
{
    public static readonly string[] Lines = ["a b c", "d e", "f"];

    public static ITokenizer CharTokenizer() => Tokenizer.Train(TokenizerKind.Char, Lines.Concat(["c b a", "e d"]), 100);

    /// <summary>A tiny LSTM config over <paramref name="tok"/>'s vocabulary.</summary>
    public static ModelConfig Rnn(ITokenizer tok, int maxPositions = 1024) => new()
    {
        Family = ModelFamily.Rnn, Cell = RnnCellKind.Lstm, Attention = AttentionKind.Bahdanau, DModel = 8, HiddenSize = 8,
        EncoderLayers = 1, DecoderLayers = 1, SrcVocabSize = tok.Vocab.Count, TgtVocabSize = tok.Vocab.Count, MaxPositions = maxPositions,
    };

    /// <summary>Writes an untrained tiny model file (weights, config, tokenizers) at <paramref name="path"/>.</summary>
    public static string Model(string path, int maxPositions = 1024, Action<EncDec.Nn.Module>? edit = null)
    {
        var tok = CharTokenizer();
        var config = Rnn(tok, maxPositions);
        var model = ModelFactory.Build(config);
        edit?.Invoke(model);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ModelStore.Save(path, model, config, tok, tok);
        return path;
    }

    /// <summary>Every file and folder under <paramref name="dir"/>, relative, sorted (to assert that nothing was left behind).</summary>
    public static string[] Entries(string dir) =>
        Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(dir, p)).Order(StringComparer.Ordinal).ToArray();
}
