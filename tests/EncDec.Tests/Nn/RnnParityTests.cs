using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Nn;

/// <summary>
/// Recurrent layers and RNN attention against PyTorch 1.13 (tests/fixtures/make_rnn_fixtures.py → rnn.json):
/// values, final states and gradients of Σ out·R + Σ h_n·R2 (+ Σ c_n·R3) for a padded batch packed with
/// enforce_sorted=False.
/// </summary>
public class RnnParityTests
{
    private const float RTol = 1e-4f, ATol = 1e-5f;

    /// <summary>The "rnn" fixture group (read by the shared <see cref="Fixtures"/> reader) as tensors, in file order.</summary>
    private sealed class FixtureFile
    {
        private static readonly Lazy<FixtureFile> Rnn = new(() => new FixtureFile());
        public static FixtureFile Load() => Rnn.Value;

        private readonly Dictionary<string, (int[] Shape, float[] Data)> _entries = new(StringComparer.Ordinal);
        public List<string> Names { get; } = new();

        private FixtureFile()
        {
            foreach (var (name, a) in Fixtures.Load("rnn"))
            {
                _entries[name] = (a.Shape, a.Data);
                Names.Add(name);
            }
        }

        public Tensor Get(string name)
        {
            var (shape, data) = _entries.TryGetValue(name, out var e) ? e : throw new KeyNotFoundException($"fixture has no '{name}'");
            return Tensor.FromArray(data, shape);
        }

        public bool Has(string name) => _entries.ContainsKey(name);

        /// <summary>Entries under "prefix." with the prefix removed, in file order.</summary>
        public Dictionary<string, Tensor> WithPrefix(string prefix)
        {
            var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var n in Names) if (n.StartsWith(prefix + ".", StringComparison.Ordinal)) d[n[(prefix.Length + 1)..]] = Get(n);
            return d;
        }
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.True(ShapeUtil.SameShape(expected.Shape, actual.Shape), $"{what}: shape {ShapeUtil.Format(actual.Shape)} != {ShapeUtil.Format(expected.Shape)}");
        var e = expected.ToArray(); var a = actual.ToArray();
        double worst = 0; int at = -1;
        for (int i = 0; i < e.Length; i++)
        {
            double err = Math.Abs(a[i] - e[i]) - (ATol + RTol * Math.Abs(e[i]));
            if (err > worst) { worst = err; at = i; }
        }
        Assert.True(at < 0, at < 0 ? "" : $"{what}: element {at} is {a[at]}, PyTorch {e[at]}");
    }

    private static RecurrentBase Make(string name) => name switch
    {
        "rnn" => new Rnn(5, 4, numLayers: 2, nonlinearity: RnnNonlinearity.Tanh, bidirectional: true),
        "lstm" => new Lstm(5, 4, numLayers: 2, bidirectional: true),
        _ => new Gru(5, 4, numLayers: 2, bidirectional: true),
    };

    [Theory]
    [InlineData("rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void RecurrentLayerMatchesPyTorch(string name)
    {
        var fx = FixtureFile.Load();
        var m = Make(name);
        var weights = fx.WithPrefix(name + ".param");
        Assert.Equal(weights.Keys.ToArray(), m.NamedParameters().Select(p => p.Name).ToArray()); // names and order
        m.LoadStateDict(weights);

        var x = fx.Get(name + ".x").RequiresGrad_();
        var h0 = fx.Get(name + ".h0").RequiresGrad_();
        var lengths = fx.Get(name + ".lengths").ToArray().Select(v => (int)v).ToArray();
        bool lstm = name == "lstm";
        var c0 = lstm ? fx.Get(name + ".c0").RequiresGrad_() : null;

        Tensor output, hn; Tensor? cn = null;
        switch (m)
        {
            case Lstm l: { var (o, s) = l.Forward(x, new LstmState(h0, c0!), lengths); output = o; hn = s.H; cn = s.C; break; }
            case Gru g: (output, hn) = g.Forward(x, h0, lengths); break;
            case Rnn r: (output, hn) = r.Forward(x, h0, lengths); break;
            default: throw new InvalidOperationException();
        }
        AssertClose(fx.Get(name + ".out"), output, name + " output");
        AssertClose(fx.Get(name + ".h_n"), hn, name + " h_n");
        if (lstm) AssertClose(fx.Get(name + ".c_n"), cn!, name + " c_n");

        var loss = (output * fx.Get(name + ".R")).Sum() + (hn * fx.Get(name + ".R2")).Sum();
        if (lstm) loss = loss + (cn! * fx.Get(name + ".R3")).Sum();
        loss.Backward();
        AssertClose(fx.Get(name + ".grad.x"), x.Grad!, name + " dx");
        AssertClose(fx.Get(name + ".grad.h0"), h0.Grad!, name + " dh0");
        if (lstm) AssertClose(fx.Get(name + ".grad.c0"), c0!.Grad!, name + " dc0");
        foreach (var (pn, p) in m.NamedParameters())
            AssertClose(fx.Get($"{name}.grad.{pn}"), p.Grad!, $"{name} d{pn}");
    }

    private static void CheckAttention(string name, Module m, Func<Tensor, Tensor, Tensor, (Tensor, Tensor)> run)
    {
        var fx = FixtureFile.Load();
        m.LoadStateDict(fx.WithPrefix(name + ".param"));
        var q = fx.Get(name + ".query").RequiresGrad_();
        var k = fx.Get(name + ".keys").RequiresGrad_();
        var mask = fx.Get("attn.mask");
        var (ctx, w) = run(q, k, mask);
        AssertClose(fx.Get(name + ".context"), ctx, name + " context");
        AssertClose(fx.Get(name + ".weights"), w, name + " weights");
        Assert.False(ctx.HasNonFinite() || w.HasNonFinite());
        ((ctx * fx.Get(name + ".Rc")).Sum() + (w * fx.Get(name + ".Rw")).Sum()).Backward();
        AssertClose(fx.Get(name + ".grad.query"), q.Grad!, name + " dquery");
        AssertClose(fx.Get(name + ".grad.keys"), k.Grad!, name + " dkeys");
        foreach (var (pn, p) in m.NamedParameters())
            AssertClose(fx.Get($"{name}.grad.{pn}"), p.Grad!, $"{name} d{pn}");
    }

    [Fact]
    public void BahdanauMatchesPyTorch()
    {
        var att = new BahdanauAttention(4, 6, 7);
        CheckAttention("bahdanau", att, (q, k, m) => att.Forward(q, k, m));
    }

    [Fact]
    public void BahdanauWithPrecomputedKeysMatchesPyTorch()
    {
        var att = new BahdanauAttention(4, 6, 7);
        CheckAttention("bahdanau", att, (q, k, m) => att.Forward(q, k, m, att.ProjectKeys(k)));
    }

    [Theory]
    [InlineData(LuongScore.Dot, "luong_dot", 6)]
    [InlineData(LuongScore.General, "luong_general", 4)]
    [InlineData(LuongScore.Concat, "luong_concat", 4)]
    public void LuongMatchesPyTorch(LuongScore score, string name, int queryDim)
    {
        var att = new LuongAttention(score, queryDim, 6, attnDim: 7);
        CheckAttention(name, att, (q, k, m) => att.Forward(q, k, m));
    }
}
