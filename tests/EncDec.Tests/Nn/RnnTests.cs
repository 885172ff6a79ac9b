using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Nn;

/// <summary>Fused recurrent ops against composed primitives, gradient checks, masking and naming invariants.</summary>
public class RnnTests
{
    private static void AssertClose(Tensor expected, Tensor actual, float tol = 1e-6f)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray(); var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= tol, $"element {i}: {a[i]} vs {e[i]}");
    }

    private static (Tensor H, Tensor C) LstmComposed(Tensor gates, Tensor c)
    {
        int h = gates.Shape[1] / 4;
        var i = gates.Narrow(1, 0, h).Sigmoid(); var f = gates.Narrow(1, h, h).Sigmoid();
        var g = gates.Narrow(1, 2 * h, h).Tanh(); var o = gates.Narrow(1, 3 * h, h).Sigmoid();
        var cn = f * c + i * g;
        return (o * cn.Tanh(), cn);
    }

    private static Tensor GruComposed(Tensor gx, Tensor gh, Tensor h)
    {
        int n = h.Shape[1];
        var r = (gx.Narrow(1, 0, n) + gh.Narrow(1, 0, n)).Sigmoid();
        var z = (gx.Narrow(1, n, n) + gh.Narrow(1, n, n)).Sigmoid();
        var nn = (gx.Narrow(1, 2 * n, n) + r * gh.Narrow(1, 2 * n, n)).Tanh();
        return (1f - z) * nn + z * h;
    }

    /// <summary>Values and gradients (of Σ out·R) of two implementations on the same inputs.</summary>
    private static void CompareWithGrads(Func<Tensor[], Tensor> a, Func<Tensor[], Tensor> b, Tensor[] inputs, float tol = 1e-6f)
    {
        var r = GradCheck.Rand(99, a(inputs).Shape);
        Tensor[] Run(Func<Tensor[], Tensor> f, out Tensor y)
        {
            foreach (var x in inputs) { x.RequiresGrad = true; x.Grad = null; }
            y = f(inputs);
            (y * r).Sum().Backward();
            return inputs.Select(x => x.Grad!.Detach()).ToArray();
        }
        var ga = Run(a, out var ya); var gb = Run(b, out var yb);
        AssertClose(yb, ya, tol);
        for (int i = 0; i < ga.Length; i++) AssertClose(gb[i], ga[i], tol);
    }

    private static Tensor Pack((Tensor H, Tensor C) s) => F.Concat(new[] { s.H, s.C }, 1);

    [Fact]
    public void LstmPointwiseMatchesComposedOps()
        => CompareWithGrads(t => Pack(RnnF.LstmPointwise(t[0], t[1])), t => Pack(LstmComposed(t[0], t[1])),
                            new[] { GradCheck.Rand(1, 3, 8).MulScalar(2f), GradCheck.Rand(2, 3, 2) });

    [Fact]
    public void GruPointwiseMatchesComposedOps()
        => CompareWithGrads(t => RnnF.GruPointwise(t[0], t[1], t[2]), t => GruComposed(t[0], t[1], t[2]),
                            new[] { GradCheck.Rand(3, 3, 6).MulScalar(2f), GradCheck.Rand(4, 3, 6), GradCheck.Rand(5, 3, 2) });

    [Fact]
    public void LstmPointwiseGradCheck()
        => GradCheck.Check(t => Pack(RnnF.LstmPointwise(t[0], t[1])), new[] { GradCheck.Rand(6, 2, 12), GradCheck.Rand(7, 2, 3) }, step: 1e-3f);

    [Fact]
    public void GruPointwiseGradCheck()
        => GradCheck.Check(t => RnnF.GruPointwise(t[0], t[1], t[2]),
                           new[] { GradCheck.Rand(8, 2, 9), GradCheck.Rand(9, 2, 9), GradCheck.Rand(10, 2, 3) }, step: 1e-3f);

    private static RecurrentBase Make(string kind, int i, int h, int layers, bool bi, int seed) => kind switch
    {
        "rnn" => new Rnn(i, h, layers, bidirectional: bi, rng: new Rng((ulong)seed)),
        "lstm" => new Lstm(i, h, layers, bidirectional: bi, rng: new Rng((ulong)seed)),
        _ => new Gru(i, h, layers, bidirectional: bi, rng: new Rng((ulong)seed)),
    };

    /// <summary>Output and final state(s) flattened into one tensor.</summary>
    private static Tensor RunFlat(RecurrentBase m, Tensor x, Tensor? h0, Tensor? c0, int[]? lengths)
    {
        Tensor o, h; Tensor? c = null;
        switch (m)
        {
            case Lstm l: { var (oo, s) = l.Forward(x, h0 is null ? null : new LstmState(h0, c0!), lengths); o = oo; h = s.H; c = s.C; break; }
            case Gru g: (o, h) = g.Forward(x, h0, lengths); break;
            default: (o, h) = ((Rnn)m).Forward(x, h0, lengths); break;
        }
        var parts = new List<Tensor> { o.Reshape(-1), h.Reshape(-1) };
        if (c is not null) parts.Add(c.Reshape(-1));
        return F.Concat(parts, 0);
    }

    [Theory]
    [InlineData("rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void LayerGradCheckWithLengths(string kind)
    {
        var m = Make(kind, 2, 2, 2, true, 11);
        var x = GradCheck.Rand(12, 2, 3, 2);
        var h0 = GradCheck.Rand(13, 4, 2, 2);
        var c0 = GradCheck.Rand(14, 4, 2, 2);
        var lengths = new[] { 2, 3 };
        var inputs = new List<Tensor> { x, h0 };
        if (kind == "lstm") inputs.Add(c0);
        inputs.AddRange(m.Parameters());
        GradCheck.Check(t => RunFlat(m, t[0], t[1], kind == "lstm" ? t[2] : null, lengths), inputs.ToArray());
    }

    [Theory]
    [InlineData("rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void PaddingDoesNotLeakAndMatchesUnpaddedRun(string kind)
    {
        var m = Make(kind, 3, 4, 2, true, 21);
        var x = GradCheck.Rand(22, 2, 5, 3);
        int[] lengths = { 5, 3 };
        var full = RunFlat(m, x, null, null, lengths);
        // Changing the padding changes nothing.
        var x2 = x.Detach().ContiguousRaw();
        var x2c = Tensor.FromArray(x2.ToArray(), x2.Shape);
        for (int t = 3; t < 5; t++) for (int j = 0; j < 3; j++) x2c[1, t, j] = 100f;
        AssertClose(full, RunFlat(m, x2c, null, null, lengths), 0f);
        // Sequence 1 alone, truncated to its length, gives the same output rows and final state.
        var alone = Tensor.FromArray(x.Narrow(0, 1, 1).Narrow(1, 0, 3).Contiguous().ToArray(), 1, 3, 3);
        Tensor o1, h1, oA, hA;
        using (GradMode.NoGrad())
        {
            (o1, h1) = Outputs(m, x, lengths);
            (oA, hA) = Outputs(m, alone, null);
        }
        AssertClose(oA.Select(0, 0), o1.Select(0, 1).Narrow(0, 0, 3), 1e-6f);
        AssertClose(Tensor.Zeros(2, 8), o1.Select(0, 1).Narrow(0, 3, 2).Contiguous(), 0f);
        AssertClose(hA.Select(1, 0).Contiguous(), h1.Select(1, 1).Contiguous(), 1e-6f);
    }

    private static (Tensor O, Tensor H) Outputs(RecurrentBase m, Tensor x, int[]? lengths) => m switch
    {
        Lstm l => ((Func<(Tensor, Tensor)>)(() => { var (o, s) = l.Forward(x, null, lengths); return (o, s.H); }))(),
        Gru g => g.Forward(x, null, lengths),
        _ => ((Rnn)m).Forward(x, null, lengths),
    };

    [Fact]
    public void LstmLayerEqualsSteppedCell()
    {
        var layer = new Lstm(3, 4, rng: new Rng(31));
        var cell = new LstmCell(3, 4);
        cell.LoadStateDict(layer.StateDict().ToDictionary(kv => kv.Key.Replace("_l0", ""), kv => kv.Value));
        var x = GradCheck.Rand(32, 2, 4, 3);
        var (o, s) = layer.Forward(x);
        LstmState? st = null;
        for (int t = 0; t < 4; t++)
        {
            st = cell.Forward(x.Select(1, t), st);
            AssertClose(st.H.Contiguous(), o.Select(1, t).Contiguous(), 1e-6f);
        }
        AssertClose(st!.C.Contiguous(), s.C.Select(0, 0).Contiguous(), 1e-6f);
    }

    [Fact]
    public void GruAndRnnLayersEqualSteppedCells()
    {
        var gru = new Gru(3, 4, rng: new Rng(41));
        var gcell = new GruCell(3, 4);
        gcell.LoadStateDict(gru.StateDict().ToDictionary(kv => kv.Key.Replace("_l0", ""), kv => kv.Value));
        var rnn = new Rnn(3, 4, nonlinearity: RnnNonlinearity.Relu, rng: new Rng(42));
        var rcell = new RnnCell(3, 4, nonlinearity: RnnNonlinearity.Relu);
        rcell.LoadStateDict(rnn.StateDict().ToDictionary(kv => kv.Key.Replace("_l0", ""), kv => kv.Value));
        var x = GradCheck.Rand(43, 2, 4, 3);
        var (og, _) = gru.Forward(x);
        var (or, _) = rnn.Forward(x);
        Tensor? hg = null, hr = null;
        for (int t = 0; t < 4; t++)
        {
            hg = gcell.Forward(x.Select(1, t), hg);
            hr = rcell.Forward(x.Select(1, t), hr);
            AssertClose(hg.Contiguous(), og.Select(1, t).Contiguous(), 1e-6f);
            AssertClose(hr.Contiguous(), or.Select(1, t).Contiguous(), 1e-6f);
        }
    }

    [Fact]
    public void ParameterNamesAndShapesFollowPyTorch()
    {
        var m = new Gru(5, 4, numLayers: 2, bias: true, bidirectional: true);
        var p = m.NamedParameters().ToDictionary(kv => kv.Name, kv => kv.Param.Shape);
        Assert.Equal(16, p.Count);
        Assert.Equal(new[] { 12, 5 }, p["weight_ih_l0"]);
        Assert.Equal(new[] { 12, 4 }, p["weight_hh_l0_reverse"]);
        Assert.Equal(new[] { 12, 8 }, p["weight_ih_l1"]);
        Assert.Equal(new[] { 12 }, p["bias_hh_l1_reverse"]);
        Assert.Equal(new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" }, new LstmCell(3, 2).NamedParameters().Select(q => q.Name));
        var noBias = new Lstm(3, 2, bias: false);
        Assert.Equal(new[] { "weight_ih_l0", "weight_hh_l0" }, noBias.NamedParameters().Select(q => q.Name));
        float bound = 1f / MathF.Sqrt(4);
        Assert.All(m.Parameters(), t => Assert.All(t.ToArray(), v => Assert.InRange(v, -bound, bound)));
    }

    [Fact]
    public void InterLayerDropoutOnlyInTraining()
    {
        var m = new Lstm(3, 4, numLayers: 2, dropout: 0.5f, rng: new Rng(51));
        var x = GradCheck.Rand(52, 2, 3, 3);
        using var _ = GradMode.NoGrad();
        var a = m.Forward(x).Output; var b = m.Forward(x).Output;
        Assert.False(a.AllClose(b));
        m.Eval();
        Assert.True(m.Forward(x).Output.AllClose(m.Forward(x).Output, 0f, 0f));
    }

    [Fact]
    public void FullyPaddedAttentionRowIsZeroNotNaN()
    {
        var keys = GradCheck.Rand(61, 2, 3, 4).RequiresGrad_();
        var q = GradCheck.Rand(62, 2, 4).RequiresGrad_();
        var mask = Tensor.FromArray(new float[] { 0, 1, 0, 1, 1, 1 }, 2, 3);
        foreach (var score in Enum.GetValues<LuongScore>())
        {
            var att = new LuongAttention(score, 4, 4, attnDim: 5, rng: new Rng(63));
            var (ctx, w) = att.Forward(q, keys, mask);
            Assert.False(ctx.HasNonFinite() || w.HasNonFinite());
            AssertClose(Tensor.Zeros(3), w.Select(0, 1).Contiguous(), 0f);
            Assert.Equal(0f, w[0, 1]);
            Assert.Equal(1f, w[0, 0] + w[0, 2], 5);
            ctx.Sum().Backward();
            Assert.False(keys.Grad!.HasNonFinite() || q.Grad!.HasNonFinite());
        }
        var b = new BahdanauAttention(4, 4, 5, new Rng(64));
        var (c2, w2) = b.Forward(q, keys, mask);
        Assert.False(c2.HasNonFinite() || w2.HasNonFinite());
    }

    [Fact]
    public void AttentionGradCheck()
    {
        var mask = Tensor.FromArray(new float[] { 0, 0, 1, 0, 0, 0 }, 2, 3);
        var b = new BahdanauAttention(3, 4, 5, new Rng(71));
        var inputs = new List<Tensor> { GradCheck.Rand(72, 2, 3), GradCheck.Rand(73, 2, 3, 4) };
        inputs.AddRange(b.Parameters());
        GradCheck.Check(t => { var (c, w) = b.Forward(t[0], t[1], mask); return F.Concat(new[] { c.Reshape(-1), w.Reshape(-1) }, 0); },
                        inputs.ToArray());
        var l = new LuongAttention(LuongScore.General, 3, 4, rng: new Rng(74));
        var li = new List<Tensor> { GradCheck.Rand(75, 2, 3), GradCheck.Rand(76, 2, 3, 4) };
        li.AddRange(l.Parameters());
        GradCheck.Check(t => { var (c, w) = l.Forward(t[0], t[1], mask); return F.Concat(new[] { c.Reshape(-1), w.Reshape(-1) }, 0); },
                        li.ToArray());
    }
}
