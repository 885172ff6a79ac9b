using EncDec.Nn.LongAttention;
using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Nn;

/// <summary>Chunked, sliding-window and linear attention cores against full-attention and naive references.</summary>
public class LongAttentionTests
{
    private static Tensor Rand(int seed, params int[] shape) => GradCheck.Rand(seed, shape) * 2f;

    /// <summary>Additive key padding mask (B, 1, 1, Tk): row r pads its last pads[r] keys.</summary>
    private static Tensor PadMask(int tk, params int[] pads)
    {
        var kpm = Tensor.Zeros(pads.Length, tk);
        for (int r = 0; r < pads.Length; r++)
            for (int j = tk - pads[r]; j < tk; j++) kpm[r, j] = 1f;
        return Attention.KeyPaddingToAdditive(kpm);
    }

    private static float MaxDiff(Tensor a, Tensor b)
    {
        var x = a.ToArray(); var y = b.ToArray();
        Assert.Equal(x.Length, y.Length);
        float m = 0;
        for (int i = 0; i < x.Length; i++) { Assert.False(float.IsNaN(x[i])); m = Math.Max(m, Math.Abs(x[i] - y[i])); }
        return m;
    }

    /// <summary>Runs <paramref name="f"/> and the reference on fresh copies of q, k, v; asserts equal outputs and gradients.</summary>
    private static void AssertSameAsReference(Func<Tensor, Tensor, Tensor, Tensor> f, Func<Tensor, Tensor, Tensor, Tensor> reference,
                                              int b, int h, int tq, int tk, int dh, float tol = 1e-5f)
    {
        Tensor[] Inputs() => [Rand(1, b, h, tq, dh).RequiresGrad_(), Rand(2, b, h, tk, dh).RequiresGrad_(), Rand(3, b, h, tk, dh).RequiresGrad_()];
        var a = Inputs(); var r = Inputs();
        var w = Rand(4, b, h, tq, dh);
        var ya = f(a[0], a[1], a[2]); var yr = reference(r[0], r[1], r[2]);
        Assert.True(MaxDiff(ya, yr) < tol, $"outputs differ by {MaxDiff(ya, yr)}");
        (ya * w).Sum().Backward(); (yr * w).Sum().Backward();
        for (int i = 0; i < 3; i++)
            Assert.True(MaxDiff(a[i].Grad!, r[i].Grad!) < tol, $"gradient {"qkv"[i]} differs by {MaxDiff(a[i].Grad!, r[i].Grad!)}");
    }

    [Theory]
    [InlineData(false, 37, 37, 8)]    // several blocks, a ragged last one
    [InlineData(true, 37, 37, 8)]
    [InlineData(true, 5, 29, 8)]      // queries = the last 5 positions (decoding several steps against a cache)
    [InlineData(false, 9, 40, 16)]    // cross-attention shapes
    [InlineData(true, 20, 20, 64)]    // one block
    public void Chunked_EqualsFullAttention_ValuesAndGradients(bool causal, int tq, int tk, int block)
    {
        var mask = PadMask(tk, 0, 3);
        var core = new ChunkedAttentionCore(block);
        AssertSameAsReference((q, k, v) => core.Attend(q, k, v, mask, causal),
                              (q, k, v) => Attention.ScaledDotProductAttention(q, k, v, mask, causal), 2, 2, tq, tk, 8);
    }

    [Fact]
    public void Chunked_FullyMaskedRowGivesZerosLikeFull()
    {
        var mask = PadMask(12, 0, 12);                                         // row 1: every key is padding
        var core = new ChunkedAttentionCore(5);
        AssertSameAsReference((q, k, v) => core.Attend(q, k, v, mask, false),
                              (q, k, v) => Attention.ScaledDotProductAttention(q, k, v, mask, false), 2, 2, 12, 12, 4);
        var y = core.Attend(Rand(1, 2, 2, 12, 4), Rand(2, 2, 2, 12, 4), Rand(3, 2, 2, 12, 4), mask, false);
        Assert.All(y.ToArray().AsSpan(2 * 12 * 4).ToArray(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Chunked_AdditiveMaskPerQuery_EqualsFull()
    {
        int t = 23;
        var m = Tensor.Zeros(t, t);                                             // an arbitrary (Tq, Tk) mask with finite and −∞ entries
        var rng = new Rng(5);
        for (int i = 0; i < t * t; i++) m.Span[i] = rng.NextDouble() < 0.3 ? float.NegativeInfinity : (float)rng.NextDouble();
        var core = new ChunkedAttentionCore(6);
        AssertSameAsReference((q, k, v) => core.Attend(q, k, v, m, true),
                              (q, k, v) => Attention.ScaledDotProductAttention(q, k, v, m, true), 1, 3, t, t, 5);
    }

    /// <summary>The Longformer rule, written out: the first g positions see and are seen by all; others see keys within the window.</summary>
    private static Tensor SlidingMask(int t, int w, int g, bool causal)
    {
        var m = Tensor.Zeros(t, t);
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++)
            {
                bool ok = !(causal && j > i) && (i < g || j < g || (causal ? i - j < w : Math.Abs(i - j) <= w / 2));
                if (!ok) m[i, j] = float.NegativeInfinity;
            }
        return m;
    }

    [Theory]
    [InlineData(false, 8, 0, 4)]
    [InlineData(true, 8, 0, 4)]
    [InlineData(false, 6, 2, 5)]
    [InlineData(true, 6, 3, 5)]
    [InlineData(false, 64, 1, 16)]   // window wider than the sequence: full attention
    [InlineData(false, 8, 2, 16)]    // query blocks of w/2 = 8 rows under 16-key tiles, the global rows a block of their own
    [InlineData(true, 10, 3, 16)]
    [InlineData(false, 20, 0, 32)]
    [InlineData(true, 16, 9, 16)]    // more global rows than a query block
    public void Sliding_EqualsMaskedFullReference(bool causal, int window, int globals, int block)
    {
        int t = 41;
        var pad = PadMask(t, 0, 4);
        var mask = pad + SlidingMask(t, window, globals, causal);               // (B, 1, T, T)
        var core = new SlidingWindowAttentionCore(window, globals, block);
        AssertSameAsReference((q, k, v) => core.Attend(q, k, v, pad, causal),
                              (q, k, v) => Attention.ScaledDotProductAttention(q, k, v, mask, false), 2, 2, t, t, 4);
    }

    [Fact]
    public void Sliding_KeyPaddingMaskBeyondTensorSizeLimit()
    {
        // B·H·Tq·Tk = 2 × 1 × 33,000² > int.MaxValue: the padding mask must broadcast by strides, not as a tensor view.
        // Bidirectional window 16, no global tokens: the first 64 rows see only keys 0…71, so the 80-long prefix with the
        // same mask prefix is their reference; the second sequence pads all but its first 70 keys.
        const int t = 33_000, p = 80;
        var kpm = Tensor.Zeros(2, t);
        for (int j = 70; j < t; j++) kpm[1, j] = 1f;
        var pad = Attention.KeyPaddingToAdditive(kpm);                         // (2, 1, 1, T)
        var kpmP = Tensor.Zeros(2, p);
        for (int j = 70; j < p; j++) kpmP[1, j] = 1f;
        Tensor q = Rand(1, 2, 1, t, 4), k = Rand(2, 2, 1, t, 4), v = Rand(3, 2, 1, t, 4);
        Tensor Prefix(Tensor x) => x.Narrow(2, 0, p).Contiguous();              // (2, 1, P, 4)
        var core = new SlidingWindowAttentionCore(16, 0, 16);
        var y = core.Attend(q, k, v, pad, false).Narrow(2, 0, 64).Contiguous();
        var r = core.Attend(Prefix(q), Prefix(k), Prefix(v), Attention.KeyPaddingToAdditive(kpmP), false).Narrow(2, 0, 64).Contiguous();
        Assert.True(MaxDiff(y, r) < 1e-6f, $"outputs differ by {MaxDiff(y, r)}");
    }

    [Theory]
    [InlineData(AttentionCoreKind.Chunked, 4, 5)]
    [InlineData(AttentionCoreKind.Sliding, 4, 5)]
    [InlineData(AttentionCoreKind.Sliding, 8, 4)]    // query blocks of w/2 rows, two global tokens: the steps see them
    [InlineData(AttentionCoreKind.Linear, 4, 5)]
    public void Step_ByStepEqualsParallelCausalForm(AttentionCoreKind kind, int chunk, int window)
    {
        var core = AttentionCores.Create(new AttentionCoreOptions(kind, Chunk: chunk, Window: window,
                                                                  GlobalTokens: kind == AttentionCoreKind.Sliding ? chunk / 4 : 0));
        int b = 2, h = 2, t = 15, dh = 4;
        var q = Rand(1, b, h, t, dh); var k = Rand(2, b, h, t, dh); var v = Rand(3, b, h, t, dh);
        using var _ = GradMode.NoGrad();
        var parallel = core.Attend(q, k, v, null, causal: true);
        AttentionCache? state = null;
        var outs = new List<Tensor>();
        // single steps, then three positions at once, then single steps again
        foreach (var (s0, len) in new[] { (0, 1), (1, 1), (2, 3), (5, 1), (6, 6), (12, 1), (13, 1), (14, 1) })
        {
            var (o, next) = core.Step(q.Narrow(2, s0, len), k.Narrow(2, s0, len), v.Narrow(2, s0, len), state);
            outs.Add(o); state = next;
        }
        Assert.True(MaxDiff(F.Concat(outs, 2), parallel) < 1e-5f);
        if (kind == AttentionCoreKind.Linear) Assert.Equal(new[] { b, h, dh + 1, dh }, state!.Key.Shape);   // O(1) state
    }

    private static float[] Phi(float[] x) => x.Select(a => a > 0 ? a + 1 : MathF.Exp(a)).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Linear_EqualsNaiveFormula(bool causal)
    {
        int b = 2, h = 1, t = 11, dh = 3;
        var q = Rand(1, b, h, t, dh); var k = Rand(2, b, h, t, dh); var v = Rand(3, b, h, t, dh);
        var pad = PadMask(t, 0, 2);
        var y = new LinearAttentionCore(4).Attend(q, k, v, causal ? null : pad, causal).ToArray();
        var qa = q.ToArray(); var ka = k.ToArray(); var va = v.ToArray();
        for (int bb = 0; bb < b; bb++)
            for (int i = 0; i < t; i++)
            {
                var fq = Phi(qa.AsSpan((bb * t + i) * dh, dh).ToArray());
                var num = new double[dh]; double den = 0;
                int last = causal ? i : t - 1 - (bb == 1 ? 2 : 0);
                for (int j = 0; j <= last; j++)
                {
                    var fk = Phi(ka.AsSpan((bb * t + j) * dh, dh).ToArray());
                    double s = 0;
                    for (int c = 0; c < dh; c++) s += fq[c] * fk[c];
                    den += s;
                    for (int c = 0; c < dh; c++) num[c] += s * va[(bb * t + j) * dh + c];
                }
                for (int c = 0; c < dh; c++) Assert.Equal(num[c] / den, y[(bb * t + i) * dh + c], 4);
            }
    }

    [Fact]
    public void Linear_GradCheck()
    {
        var core = new LinearAttentionCore(3);
        var q = GradCheck.Rand(1, 1, 2, 7, 3); var k = GradCheck.Rand(2, 1, 2, 7, 3); var v = GradCheck.Rand(3, 1, 2, 7, 3);
        GradCheck.Check(x => core.Attend(x[0], x[1], x[2], null, true), [q, k, v]);
    }

    [Fact]
    public void Linear_RejectsPerQueryMasks()
    {
        var core = new LinearAttentionCore();
        var q = Rand(1, 1, 1, 4, 2);
        var e = Assert.Throws<ArgumentException>(() => core.Attend(q, q, q, Attention.CausalMask(4, 4), false));
        Assert.Contains("key padding masks only", e.Message);
    }

    [Fact]
    public void MultiheadAttention_WithCoreMatchesFullWeights()
    {
        var rng1 = new Rng(3); var rng2 = new Rng(3);
        var full = new MultiheadAttention(16, 4, rng: rng1);
        var chunked = new MultiheadAttention(16, 4, rng: rng2, core: new ChunkedAttentionCore(4));
        var x = Rand(9, 2, 13, 16);
        var kpm = Tensor.Zeros(2, 13); kpm[1, 12] = 1f; kpm[1, 11] = 1f;
        var a = full.Forward(x, x, x, kpm, isCausal: true).Output;
        var c = chunked.Forward(x, x, x, kpm, isCausal: true).Output;
        Assert.True(MaxDiff(a, c) < 1e-5f);
        Assert.Throws<ArgumentException>(() => chunked.Forward(x, x, x, needWeights: true));
    }
}
