using EncDec.Interop.Onnx;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Tests.Models;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Interop;

/// <summary>
/// The exported encoder and decoder-step graphs, run by ONNX Runtime, give EncDec's logits within 1e-4 step by step
/// (Transformer post-/pre-norm, LSTM with attention), and EncDec's search over them gives the native outputs.
/// </summary>
public sealed class OnnxExportTests
{
    private const int Vocab = 13;

    public static TheoryData<string> Configs => new() { "post", "pre-gelu-learned-tied", "post-shared-final", "lstm-bahdanau", "lstm-luong-general-2layer", "lstm-dot-nofeed" };

    internal static ModelConfig Config(string name) => name switch
    {
        "post" => ModelTestKit.Transformer(Vocab, Vocab + 2, d: 16, heads: 2, ffn: 24, layers: 2, seed: 3),
        "pre-gelu-learned-tied" => ModelTestKit.Transformer(Vocab, Vocab, d: 16, heads: 4, ffn: 24, layers: 2, seed: 4) with
            { Norm = NormPosition.Pre, Activation = Activation.Gelu, Positional = PositionalKind.Learned, MaxPositions = 64, TieOutput = true },
        "post-shared-final" => ModelTestKit.Transformer(Vocab, Vocab, d: 16, heads: 2, ffn: 24, layers: 1, seed: 5) with
            { ShareEmbeddings = true, FinalNorm = true },
        "lstm-bahdanau" => ModelTestKit.Lstm(Vocab, Vocab + 1, emb: 8, hidden: 12, seed: 6),
        "lstm-luong-general-2layer" => ModelTestKit.Lstm(Vocab, Vocab, emb: 8, hidden: 12, seed: 7, attention: AttentionKind.LuongGeneral) with
            { EncoderLayers = 2, DecoderLayers = 2 },
        "lstm-dot-nofeed" => ModelTestKit.Lstm(Vocab, Vocab, emb: 8, hidden: 12, seed: 8, attention: AttentionKind.LuongDot, bidirectional: false) with
            { InputFeeding = false },
        _ => throw new ArgumentException(name),
    };

    internal static ITokenizer WordTokenizer(int vocab)
        => Tokenizer.Train(TokenizerKind.Word, [string.Join(' ', Enumerable.Range(0, vocab - Vocabulary.SpecialCount).Select(i => $"w{i}"))], vocab);

    /// <summary>Builds and exports a model; returns both.</summary>
    internal static (Module Native, OnnxSeq2SeqModel Onnx) Exported(ModelConfig config, TempDir dir, Module? model = null)
    {
        model ??= ModelFactory.Build(config);
        model.Eval();
        OnnxExporter.Export(model, config, WordTokenizer(config.SrcVocabSize), WordTokenizer(config.TgtVocabSize), dir.Path);
        return (model, OnnxSeq2SeqModel.Load(dir.Path, threads: 1));
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Decoder_steps_give_native_logits_within_1e4(string name)
    {
        using var dir = new TempDir();
        var config = Config(name);
        var (native, onnx) = Exported(config, dir);
        using var _ = onnx;
        var nat = (ISeq2SeqModel)native;
        // three sources of different lengths (padding in the batch), ids above the specials
        int[][] sources = [[5, 6, 7, 8, 9, 10, 11], [12, 5, 5], [7, 8, 9, 6, 5]];
        int s = sources.Max(x => x.Length);
        var padded = sources.SelectMany(x => x.Concat(Enumerable.Repeat(0, s - x.Length))).ToArray();
        var src = new IndexTensor(padded, sources.Length, s);
        var lengths = sources.Select(x => x.Length).ToArray();
        using var noGrad = GradMode.NoGrad();
        var encN = nat.Encode(src, lengths);
        var encO = onnx.Encode(src, lengths);
        Assert.Equal(encN.Memory.Shape, encO.Memory.Shape);
        Assert.True(MaxDiff(encN.Memory, encO.Memory) < 1e-4, $"memory differs by {MaxDiff(encN.Memory, encO.Memory)}");
        var stN = nat.InitialState(encN);
        var stO = onnx.InitialState(encO);
        int[] tokens = [Vocabulary.BosId, Vocabulary.BosId, Vocabulary.BosId];
        var rng = new Random(11);
        float worst = 0;
        for (int pos = 0; pos < 6; pos++)
        {
            var rn = nat.DecodeStep(tokens, pos, encN, stN);
            var ro = onnx.DecodeStep(tokens, pos, encO, stO);
            Assert.Equal(new[] { 3, config.TgtVocabSize }, ro.Logits.Shape);
            worst = Math.Max(worst, MaxDiff(rn.Logits, ro.Logits));
            if (ro.Attention is not null) Assert.True(MaxDiff(rn.Attention!, ro.Attention) < 1e-4);
            stN = rn.Next; stO = ro.Next;
            if (pos == 2)
            {   // a beam-style reorder of the rows: the caches follow
                int[] rows = [2, 0, 0];
                stN = stN.Select(rows); stO = stO.Select(rows);
                encN = encN.Select(rows); encO = encO.Select(rows);
            }
            tokens = tokens.Select(_ => rng.Next(Vocabulary.SpecialCount, config.TgtVocabSize)).ToArray();
        }
        Assert.True(worst < 1e-4, $"{name}: logits differ by {worst}");
        // tests/fixtures/interop/check_onnx.py checks these files with python3-onnx: ENCDEC_ONNX_DUMP=DIR keeps a copy of each
        if (Environment.GetEnvironmentVariable("ENCDEC_ONNX_DUMP") is { Length: > 0 } dump)
            OnnxExporter.Export(native, config, WordTokenizer(config.SrcVocabSize), WordTokenizer(config.TgtVocabSize), Path.Combine(dump, name));
    }

    [Fact]
    public void Export_writes_the_description_with_inputs_outputs_and_special_tokens()
    {
        using var dir = new TempDir();
        var config = Config("post");
        var (_, onnx) = Exported(config, dir);
        onnx.Dispose();
        var info = OnnxModelInfo.Load(dir.Path);
        Assert.Equal(17, info.Opset);
        Assert.Equal(Vocabulary.EosId, info.SpecialTokens.Eos);
        Assert.Equal(["src_ids", "src_lengths"], info.EncoderInputs.Select(i => i.Name));
        Assert.Contains(info.DecoderInputs, i => i.Name == "past_key_1" && i.Dims.SequenceEqual(["batch", "2", "past_len", "8"]));
        Assert.Contains(info.DecoderOutputs, o => o.Name == "present_value_0");
        Assert.Contains(info.EncoderOutputs, o => o.Name == "cross_key_1" && o.Dims[2] == "src_len");
        Assert.True(File.Exists(dir.File("encoder.onnx")) && File.Exists(dir.File("decoder_step.onnx")) && File.Exists(dir.File("src_tokenizer.json")));
    }

    [Fact]
    public void Unsupported_models_are_refused_in_one_line()
    {
        using var dir = new TempDir();
        var gru = ModelTestKit.Lstm(Vocab, Vocab, emb: 8, hidden: 12, cell: RnnCellKind.Gru);
        var e = Assert.Throws<UserInputException>(() => OnnxExporter.Export(ModelFactory.Build(gru), gru, WordTokenizer(Vocab), WordTokenizer(Vocab), dir.Path));
        Assert.Contains("gru", e.Message);
        var lm = new ModelConfig { Family = ModelFamily.DecoderOnly, TgtVocabSize = Vocab, DModel = 16, Heads = 2, FeedForward = 16, DecoderLayers = 1 };
        Assert.Throws<UserInputException>(() => OnnxExporter.Export(ModelFactory.Build(lm), lm, WordTokenizer(Vocab), WordTokenizer(Vocab), dir.Path));
        Assert.False(File.Exists(dir.File(OnnxModelInfo.FileName)));
    }

    private static float MaxDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        var x = a.Contiguous().ToArray(); var y = b.Contiguous().ToArray();
        float m = 0;
        for (int i = 0; i < x.Length; i++) m = Math.Max(m, Math.Abs(x[i] - y[i]));
        return m;
    }
}
