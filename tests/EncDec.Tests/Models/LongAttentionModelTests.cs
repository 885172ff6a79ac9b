using EncDec.Nn.LongAttention;
using EncDec.Data;
using EncDec.Models;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Models;

/// <summary>Transformers whose self-attention uses the long-input cores: build, decode incrementally as teacher-forced, config checks.</summary>
public sealed class LongAttentionModelTests
{
    private static ModelConfig Config(AttentionCoreKind enc, AttentionCoreKind dec) =>
        ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 16, heads: 2, ffn: 32, layers: 2, seed: 4)
        with { EncoderAttention = enc, DecoderAttention = dec, AttentionChunk = 3,
               AttentionWindow = enc == AttentionCoreKind.Sliding || dec == AttentionCoreKind.Sliding ? 3 : null,
               AttentionGlobalTokens = enc == AttentionCoreKind.Sliding ? 1 : null };

    [Theory]
    [InlineData(AttentionCoreKind.Chunked, AttentionCoreKind.Chunked)]
    [InlineData(AttentionCoreKind.Sliding, AttentionCoreKind.Sliding)]
    [InlineData(AttentionCoreKind.Linear, AttentionCoreKind.Linear)]
    [InlineData(AttentionCoreKind.Full, AttentionCoreKind.Linear)]
    public void IncrementalDecodingMatchesTeacherForced(AttentionCoreKind enc, AttentionCoreKind dec)
    {
        var (_, test) = ModelTestKit.SymbolTask(SyntheticTask.Reverse, 8, 6, seed: 3, minLen: 4, maxLen: 9);
        var model = (EncoderDecoder)ModelFactory.Build(Config(enc, dec));
        var batch = Batch.Create(test, Enumerable.Range(0, 6).ToArray());
        Assert.True(ModelVariantTests.IncrementalVsTeacherForced(model, batch) < 1e-4);
    }

    [Fact]
    public void ChunkedModelEqualsFullModel()
    {
        var (_, test) = ModelTestKit.SymbolTask(SyntheticTask.Copy, 8, 5, seed: 5, minLen: 5, maxLen: 9);
        var full = (EncoderDecoder)ModelFactory.Build(Config(AttentionCoreKind.Full, AttentionCoreKind.Full) with { AttentionChunk = null });
        var chunked = (EncoderDecoder)ModelFactory.Build(Config(AttentionCoreKind.Chunked, AttentionCoreKind.Chunked));
        var b = Batch.Create(test, Enumerable.Range(0, 5).ToArray());
        var src = new IndexTensor(b.Src, b.B, b.S); var tgt = new IndexTensor(b.TgtIn, b.B, b.T);
        var a = full.Forward(src, b.SrcLengths, tgt).Logits.ToArray();
        var c = chunked.Forward(src, b.SrcLengths, tgt).Logits.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - c[i]) < 1e-4f, $"logit {i}: {a[i]} vs {c[i]}");
        Assert.Equal(ModelTestKit.GreedyExactMatch(full, test), ModelTestKit.GreedyExactMatch(chunked, test));
    }

    [Fact]
    public void ConfigRoundTripsAndDefaultsStayOutOfJson()
    {
        var plain = ModelTestKit.Transformer(10, 10);
        Assert.DoesNotContain("attention_", plain.ToJson());
        var c = Config(AttentionCoreKind.Sliding, AttentionCoreKind.Linear);
        var back = ModelConfig.FromJson(c.ToJson());
        Assert.Equal(c, back);
        Assert.Contains("\"encoder_attention\": \"sliding\"", c.ToJson());
        Assert.DoesNotContain("encoder_conv_kernel", plain.ToJson());
        var conv = t3 with { EncoderConvKernel = 3 };
        Assert.Contains("\"encoder_conv_kernel\": 3", conv.ToJson());
        Assert.Equal(conv, ModelConfig.FromJson(conv.ToJson()));
    }

    private static readonly ModelConfig t3 = ModelTestKit.Transformer(10, 10);

    [Fact]
    public void ConvModelBuildsConvSublayersAndStoresThem()
    {
        var c = Config(AttentionCoreKind.Sliding, AttentionCoreKind.Full) with { EncoderConvKernel = 3 };
        var model = (EncoderDecoder)ModelFactory.Build(c);
        var names = model.NamedParameters().Select(p => p.Name).ToArray();
        Assert.Contains(names, n => n.EndsWith("layers.1.conv.weight", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.Contains("decoder", StringComparison.Ordinal) && n.Contains(".conv.", StringComparison.Ordinal));
        var (_, test) = ModelTestKit.SymbolTask(SyntheticTask.Copy, 8, 4, seed: 5, minLen: 5, maxLen: 9);
        var b = Batch.Create(test, Enumerable.Range(0, 4).ToArray());
        var logits = model.Forward(new IndexTensor(b.Src, b.B, b.S), b.SrcLengths, new IndexTensor(b.TgtIn, b.B, b.T)).Logits;
        Assert.Equal(new[] { b.B, b.T, ModelTestKit.SymbolVocab }, logits.Shape);
        Assert.True(ModelVariantTests.IncrementalVsTeacherForced(model, b) < 1e-4);   // the decoder still decodes incrementally
    }

    [Theory]
    [InlineData("rnn", "an RNN model has none")]
    [InlineData("window", "attention_window applies to sliding attention only")]
    [InlineData("global", "attention_global_tokens applies to sliding attention only")]
    [InlineData("chunk", "attention_chunk must be positive")]
    [InlineData("decoder-only", "a decoder-only model has no encoder")]
    [InlineData("conv-even", "encoder_conv_kernel must be odd, 1 to 63, got 4")]
    [InlineData("conv-rnn", "encoder_conv_kernel applies to the encoder of a text Transformer")]
    public void UnsupportedCombinationsAreRejected(string what, string message)
    {
        var t = ModelTestKit.Transformer(10, 10);
        var c = what switch
        {
            "rnn" => ModelTestKit.Lstm(10, 10) with { EncoderAttention = AttentionCoreKind.Chunked },
            "window" => t with { EncoderAttention = AttentionCoreKind.Chunked, AttentionWindow = 8 },
            "global" => t with { DecoderAttention = AttentionCoreKind.Linear, AttentionGlobalTokens = 2 },
            "chunk" => t with { EncoderAttention = AttentionCoreKind.Chunked, AttentionChunk = 0 },
            "conv-even" => t with { EncoderConvKernel = 4 },
            "conv-rnn" => ModelTestKit.Lstm(10, 10) with { EncoderConvKernel = 3 },
            _ => t with { Family = ModelFamily.DecoderOnly, EncoderAttention = AttentionCoreKind.Linear },
        };
        var e = Assert.Throws<UserInputException>(() => c.Validate());
        Assert.Contains(message, e.Message);
    }
}
