using System.Globalization;
using EncDec.Models;
using EncDec.Tensors;

namespace EncDec.Interop.PyTorch;

/// <summary>
/// The <see cref="PyTorchMapping.Lstm"/> mapping: an nn.LSTM encoder-decoder with attention (the module of
/// tests/fixtures/interop/make_pytorch_lstm_fixtures.py). EncDec's LSTM already keeps PyTorch's parameter names inside a
/// layer (<c>weight_ih_l0</c>, <c>weight_hh_l0</c>, <c>bias_ih_l0</c>, <c>bias_hh_l0</c>, <c>*_reverse</c>; cells
/// <c>weight_ih</c>, …) and its gate order i, f, g, o, so only the module prefixes change and no tensor is re-laid out.
/// </summary>
internal static class PyTorchLstmWeights
{
    internal static readonly (string Torch, string EncDec)[] Prefixes =
    [
        ("src_emb.", "src_embed.tokens."), ("tgt_emb.", "tgt_embed.tokens."), ("encoder.", "encoder.rnn."),
        ("bridge_h.", "decoder.bridge."), ("bridge_c.", "decoder.bridge_cell."), ("decoder.", "decoder.cells."),
        ("attention.", "decoder.attention."), ("out_proj.", "decoder.out_proj."), ("generator.", "generator."),
    ];

    public static Dictionary<string, Tensor> ToEncDec(IReadOnlyDictionary<string, Tensor> torch, string source)
    {
        var r = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in torch)
        {
            var (from, to) = Prefixes.FirstOrDefault(p => name.StartsWith(p.Torch, StringComparison.Ordinal));
            if (from is null) throw new UserInputException(source, null, $"tensor '{name}' is not part of the lstm mapping ({string.Join(", ", Prefixes.Select(p => p.Torch.TrimEnd('.')))})");
            r[to + name[from.Length..]] = t;
        }
        return r;
    }

    public static Dictionary<string, Tensor> ToPyTorch(IReadOnlyDictionary<string, Tensor> encdec)
    {
        var r = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in encdec)
        {
            var (to, from) = Prefixes.FirstOrDefault(p => name.StartsWith(p.EncDec, StringComparison.Ordinal));
            if (from is null) throw new UserInputException($"tensor '{name}' has no PyTorch name in the lstm mapping");
            r[to + name[from.Length..]] = t;
        }
        return r;
    }

    /// <summary>The EncDec config of an nn.LSTM state dict: every size, depth, direction, input feeding and the attention kind read from the names and shapes.</summary>
    public static ModelConfig InferConfig(IReadOnlyDictionary<string, Tensor> torch, string source)
    {
        Tensor Need(string n) => torch.TryGetValue(n, out var t) ? t : throw new UserInputException(source, null, $"missing tensor '{n}'");
        var src = Need("src_emb.weight");
        int e = src.Shape[1];
        var whh = Need("encoder.weight_hh_l0");                                        // (4H, H)
        int h = whh.Shape[1];
        if (whh.Shape[0] != 4 * h) throw new UserInputException(source, null, $"'encoder.weight_hh_l0' is {whh.Shape[0]}×{h}, not an nn.LSTM's 4·H × H (GRU and plain RNN encoders have no mapping)");
        int encLayers = Enumerable.Range(0, 64).TakeWhile(l => torch.ContainsKey(string.Create(CultureInfo.InvariantCulture, $"encoder.weight_ih_l{l}"))).Count();
        bool bidirectional = torch.ContainsKey("encoder.weight_ih_l0_reverse");
        int decLayers = Enumerable.Range(0, 64).TakeWhile(l => torch.ContainsKey(string.Create(CultureInfo.InvariantCulture, $"decoder.{l}.weight_ih"))).Count();
        if (decLayers == 0) throw new UserInputException(source, null, "missing tensor 'decoder.0.weight_ih' (an nn.LSTMCell per decoder layer)");
        int decIn = Need("decoder.0.weight_ih").Shape[1];
        var attention = torch.ContainsKey("attention.query_proj.weight") ? AttentionKind.Bahdanau
                      : torch.ContainsKey("attention.v.weight") ? AttentionKind.LuongConcat
                      : torch.ContainsKey("attention.proj.weight") ? AttentionKind.LuongGeneral
                      : AttentionKind.LuongDot;
        return new ModelConfig
        {
            Family = ModelFamily.Rnn, Cell = RnnCellKind.Lstm, SrcVocabSize = src.Shape[0], TgtVocabSize = Need("generator.weight").Shape[0],
            DModel = e, HiddenSize = h, EncoderLayers = encLayers, DecoderLayers = decLayers, Bidirectional = bidirectional,
            Attention = attention, InputFeeding = decIn == e + h, Dropout = 0f,
        };
    }

    /// <summary>Why an EncDec model has no lstm-mapping names (null when it has them).</summary>
    public static string? Unsupported(ModelConfig c) =>
        c.Family != ModelFamily.Rnn || c.Cell != RnnCellKind.Lstm ? "an LSTM encoder-decoder"
        : c.Attention == AttentionKind.None ? "attention (fixed-context decoders have no mapping)"
        : !c.InputFeeding ? "input feeding"
        : c.ShareEmbeddings || c.TieOutput ? "separate untied embeddings"
        : null;
}
