using EncDec.Generation;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Generation;

/// <summary>
/// The reference for incremental decoding: an <see cref="ISeq2SeqModel"/> over an <see cref="EncoderDecoder"/> that keeps
/// no cache and at every step re-runs the teacher-forced decoder over the whole prefix, taking the last position's logits
/// (and attention row).
/// </summary>
internal sealed class RecomputeModel(EncoderDecoder model) : ISeq2SeqModel
{
    /// <summary>The tokens fed so far (BOS first), one row per hypothesis.</summary>
    private sealed class PrefixState(int[][] rows) : IDecoderState
    {
        public int[][] Rows { get; } = rows;
        public IDecoderState Select(int[] rows) => new PrefixState(rows.Select(r => Rows[r]).ToArray());
    }

    public int TargetVocabSize => model.TargetVocabSize;

    public EncoderOutput Encode(IndexTensor source, int[] lengths) => model.Encode(source, lengths);

    public IDecoderState InitialState(EncoderOutput encoder) => new PrefixState(new int[encoder.BatchSize][].Select(_ => Array.Empty<int>()).ToArray());

    public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state)
    {
        var prefix = ((PrefixState)state).Rows.Select((r, i) => r.Append(tokens[i]).ToArray()).ToArray();
        int b = prefix.Length, t = position + 1;
        Assert.All(prefix, r => Assert.Equal(t, r.Length));
        var ids = new IndexTensor(prefix.SelectMany(r => r).ToArray(), b, t);         // (B, T)
        var dec = model.Decode(ids, encoder);                                        // hidden (B, T, H), attention (B, T, S)?
        var logits = model.Generator.Forward(dec.Hidden.Narrow(1, t - 1, 1)).Reshape(b, -1);   // (B, 1, H) → (B, V)
        var attn = dec.Attention?.Narrow(1, t - 1, 1).Reshape(b, -1);               // (B, S)
        return new StepResult(logits, attn, new PrefixState(prefix));
    }
}

public class CachedDecodingTests
{
    private static readonly int[][] Sources =
    {
        new[] { 5, 6, 7, 9 }, new[] { 3 }, new[] { 8, 4, 9, 10, 11, 12 }, new[] { 6, 6 }, new[] { 13, 14, 15 },
    };

    private static EncoderDecoder Transformer(NormPosition norm)
    {
        var m = (EncoderDecoder)ModelFactory.Build(new ModelConfig
        {
            Family = ModelFamily.Transformer, SrcVocabSize = 20, TgtVocabSize = 20, DModel = 16, Heads = 2,
            EncoderLayers = 2, DecoderLayers = 2, FeedForward = 32, Dropout = 0.1f, Norm = norm, TieOutput = true, Seed = 11,
        });
        m.Eval();
        return m;
    }

    private static EncoderDecoder Rnn(AttentionKind attention)
    {
        var m = (EncoderDecoder)ModelFactory.Build(new ModelConfig
        {
            Family = ModelFamily.Rnn, SrcVocabSize = 20, TgtVocabSize = 20, DModel = 12, HiddenSize = 16, EncoderLayers = 1,
            DecoderLayers = 2, Cell = RnnCellKind.Lstm, Bidirectional = true, Attention = attention, Dropout = 0.1f, Seed = 12,
        });
        m.Eval();
        return m;
    }

    private static void AssertSameOutputs(ISeq2SeqModel cached, ISeq2SeqModel recompute, GenerationOptions o)
    {
        var a = SequenceGenerator.Generate(cached, Sources, o);
        var b = SequenceGenerator.Generate(recompute, Sources, o);
        for (int s = 0; s < Sources.Length; s++)
        {
            Assert.Equal(b[s].Hypotheses.Count, a[s].Hypotheses.Count);
            for (int h = 0; h < a[s].Hypotheses.Count; h++)
            {
                var x = a[s].Hypotheses[h]; var y = b[s].Hypotheses[h];
                Assert.Equal(y.Tokens, x.Tokens);
                Assert.True(Math.Abs(x.Score - y.Score) <= 1e-5f, $"source {s} hyp {h}: {x.Score} vs {y.Score}");
                if (o.ReturnAttention)
                {
                    Assert.NotNull(x.Attention); Assert.NotNull(y.Attention);
                    Assert.Equal(y.Attention!.GetLength(0), x.Attention!.GetLength(0));
                    Assert.Equal(Sources[s].Length, x.Attention.GetLength(1));
                    for (int i = 0; i < x.Attention.GetLength(0); i++)
                        for (int j = 0; j < x.Attention.GetLength(1); j++)
                            Assert.True(Math.Abs(x.Attention[i, j] - y.Attention[i, j]) <= 1e-5f, $"attention [{i},{j}] of source {s}");
                }
            }
        }
    }

    private static IEnumerable<GenerationOptions> Strategies(bool attention)
    {
        yield return new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = 8, ReturnAttention = attention };
        yield return new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = 4, NBest = 4, MaxLength = 8, ReturnAttention = attention };
        // fixed-length beams (EOS banned, then forced), the benchmark's setting
        yield return new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = 4, MinLength = 7, MaxLength = 7, ReturnAttention = attention };
    }

    [Theory]
    [InlineData(NormPosition.Post, false)]
    [InlineData(NormPosition.Pre, false)]
    [InlineData(NormPosition.Post, true)]
    public void TransformerCachedDecodingEqualsRecomputation(NormPosition norm, bool attention)
    {
        var m = Transformer(norm);
        foreach (var o in Strategies(attention))
        {
            // the recompute reference asks the teacher-forced decoder for attention itself
            m.NeedAttention = attention;
            var reference = new RecomputeModel(m);
            AssertSameOutputs(m, reference, o);
            m.NeedAttention = false;
        }
    }

    [Theory]
    [InlineData(AttentionKind.Bahdanau)]
    [InlineData(AttentionKind.LuongGeneral)]
    public void RnnStateCarryEqualsRecomputation(AttentionKind attention)
    {
        var m = Rnn(attention);
        foreach (var o in Strategies(attention: true)) AssertSameOutputs(m, new RecomputeModel(m), o);
    }

    [Fact]
    public void TransformerAttentionOnlyOnRequest()
    {
        var m = Transformer(NormPosition.Post);
        var src = new IndexTensor(new[] { 5, 6, 7, 3, 0, 0 }, 2, 3);
        var tgt = new IndexTensor(new[] { 1, 8, 9, 10, 1, 4, 5, 6 }, 2, 4);
        using var _ = GradMode.NoGrad();
        Assert.False(m.NeedAttention);
        Assert.Null(m.Forward(src, new[] { 3, 1 }, tgt).Attention);
        m.NeedAttention = true;
        var (logits, attn) = m.Forward(src, new[] { 3, 1 }, tgt);
        Assert.Equal(new[] { 2, 4, 3 }, attn!.Shape);                          // (B, T, S)
        for (int t = 0; t < 4; t++)
        {
            Assert.Equal(1f, attn[0, t, 0] + attn[0, t, 1] + attn[0, t, 2], 5);
            Assert.Equal(1f, attn[1, t, 0], 5);                                  // one real source token
            Assert.Equal(0f, attn[1, t, 1]); Assert.Equal(0f, attn[1, t, 2]);   // padding gets no weight
        }
        m.NeedAttention = false;
        Assert.True(m.Forward(src, new[] { 3, 1 }, tgt).Logits.AllClose(logits, 1e-5f, 1e-5f));

        // generation turns it on for the call only
        var res = SequenceGenerator.Generate(m, Sources, new GenerationOptions { MaxLength = 5, ReturnAttention = true });
        Assert.All(res, r => Assert.Equal(r.Best.Tokens.Length + 1, r.Best.Attention!.GetLength(0)));
        Assert.False(m.NeedAttention);
        Assert.All(SequenceGenerator.Generate(m, Sources, new GenerationOptions { MaxLength = 5 }), r => Assert.Null(r.Best.Attention));
    }

    [Fact]
    public void AttentionCacheAppendsInPlaceYetStaysImmutable()
    {
        using var _ = GradMode.NoGrad();
        var rng = new Rng(5);
        Tensor Step() => Tensor.Randn(rng, 2, 1, 1, 4);                            // (B, H, 1, Dh)
        var (k0, v0) = (Step(), Step());
        var c1 = AttentionCache.FromStep(k0, v0);
        var (k1, v1) = (Step(), Step());
        var c2 = c1.Append(k1, v1);                                                 // in place
        var (k2, v2) = (Step(), Step());
        var forked = c1.Append(k2, v2);                                             // c1 already extended: copies
        Assert.Equal(1, c1.Length);
        Assert.True(c1.Key.AllClose(k0, 0f, 0f));
        Assert.True(c2.Key.Narrow(2, 1, 1).AllClose(k1, 0f, 0f));
        Assert.True(forked.Key.Narrow(2, 1, 1).AllClose(k2, 0f, 0f));
        Assert.True(forked.Value.Narrow(2, 0, 1).AllClose(v0, 0f, 0f));
        for (int i = 0; i < 40; i++) c2 = c2.Append(Step(), Step());              // grows past the initial capacity
        Assert.Equal(42, c2.Length);
        Assert.True(c2.Key.Narrow(2, 1, 1).AllClose(k1, 0f, 0f));
        var r = c2.Reorder(new IndexTensor(new[] { 1, 1, 0 }, 3));
        Assert.Equal(new[] { 3, 1, 42, 4 }, r.Key.Shape);
        Assert.True(r.Key.Narrow(0, 0, 1).AllClose(c2.Key.Narrow(0, 1, 1), 0f, 0f));
        Assert.True(r.Value.Narrow(0, 2, 1).AllClose(c2.Value.Narrow(0, 0, 1), 0f, 0f));
    }
}
