using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Nn;

/// <summary>
/// Parity with PyTorch 1.13 (fixtures from tests/fixtures/make_transformer_fixtures.py): outputs and the gradients
/// of Σ output ⊙ R w.r.t. inputs and every weight, for nn.MultiheadAttention, nn.TransformerEncoderLayer,
/// nn.TransformerDecoderLayer and the stacks. Tolerance: |ours − torch| ≤ 1e-4 · (|torch| + max|torch|) per element.
/// </summary>
public class TransformerParityTests
{
    private const int E = 8, H = 2, FF = 16;

    /// <summary>The "transformer" fixture group (read by the shared <see cref="Fixtures"/> reader) as tensors.</summary>
    private sealed class Fixture
    {
        private static readonly Lazy<Fixture> Shared = new(() => new Fixture());
        private readonly Dictionary<string, (int[] Shape, float[] Data)> _items = new(StringComparer.Ordinal);

        public static Fixture Instance => Shared.Value;

        private Fixture()
        {
            foreach (var (name, a) in Fixtures.Load("transformer")) _items[name] = (a.Shape, a.Data);
        }

        public Tensor Get(string name)
        {
            if (!_items.TryGetValue(name, out var it)) throw new KeyNotFoundException($"fixture has no '{name}'");
            return Tensor.FromArray(it.Data, it.Shape);
        }

        /// <summary>Entries under "prefix." with the prefix stripped.</summary>
        public Dictionary<string, Tensor> Prefixed(string prefix)
            => _items.Keys.Where(k => k.StartsWith(prefix + ".", StringComparison.Ordinal))
                     .ToDictionary(k => k[(prefix.Length + 1)..], Get, StringComparer.Ordinal);
    }

    private static Fixture Fx => Fixture.Instance;

    internal static void AssertClose(Tensor reference, Tensor actual, string what, float rtol = 1e-4f)
    {
        Assert.Equal(reference.Shape, actual.Shape);
        var r = reference.ToArray(); var a = actual.ToArray();
        float maxAbs = r.Length == 0 ? 0 : r.Max(MathF.Abs);
        // A reference that is identically zero up to float64 noise (e.g. the key bias's gradient, which softmax's
        // shift invariance makes exactly 0) is compared with an absolute float32-noise tolerance.
        float floor = maxAbs < 1e-12f ? 1e-6f : 1e-7f;
        for (int i = 0; i < r.Length; i++)
        {
            float tol = rtol * (MathF.Abs(r[i]) + maxAbs) + floor;
            Assert.True(MathF.Abs(a[i] - r[i]) <= tol, $"{what}[{i}]: ours {a[i]:G9}, torch {r[i]:G9} (tol {tol:G3})");
        }
    }

    private static Tensor Leaf(string name) => Fx.Get(name).RequiresGrad_();

    /// <summary>Loads the case's weights, runs <paramref name="forward"/>, backpropagates Σ output ⊙ R and compares everything.</summary>
    private static void CheckCase(string c, Module m, Dictionary<string, Tensor> inputs, Func<Dictionary<string, Tensor>> forward)
    {
        m.Eval();
        m.LoadStateDict(Fx.Prefixed(c + ".param"));
        var outs = forward();
        Tensor? loss = null;
        foreach (var (name, o) in outs)
        {
            AssertClose(Fx.Get($"{c}.output.{name}"), o, $"{c} output {name}");
            var term = (o * Fx.Get($"{c}.r.{name}")).Sum();
            loss = loss is null ? term : loss + term;
        }
        loss!.Backward();
        foreach (var (name, t) in inputs)
            AssertClose(Fx.Get($"{c}.grad.{name}"), t.Grad!, $"{c} grad {name}");
        var expected = Fx.Prefixed(c + ".grad.param");
        var named = m.NamedParameters().ToDictionary(p => p.Name, p => p.Param);
        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), named.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, g) in expected)
            AssertClose(g, named[name].Grad!, $"{c} grad {name}");
    }

    [Theory]
    [InlineData("mha_causal", true)]
    [InlineData("mha_cross", false)]
    public void MultiheadAttentionMatchesPyTorch(string c, bool causalMask)
    {
        var mha = new MultiheadAttention(E, H);
        var q = Leaf($"{c}.input.query"); var k = Leaf($"{c}.input.key"); var v = Leaf($"{c}.input.value");
        var kpm = Fx.Get($"{c}.input.key_padding_mask");
        var mask = causalMask ? Attention.GenerateSquareSubsequentMask(q.Shape[1]) : null;
        CheckCase(c, mha, new() { ["query"] = q, ["key"] = k, ["value"] = v }, () =>
        {
            var (o, w) = mha.Forward(q, k, v, kpm, mask, needWeights: true);
            return new() { ["output"] = o, ["weights"] = w! };
        });

        // The fused kernel (no weights) and the causal flag give the same output.
        var (fused, none) = mha.Forward(q, k, v, kpm, null, isCausal: causalMask);
        Assert.Null(none);
        AssertClose(Fx.Get($"{c}.output.output"), fused, $"{c} fused output");
    }

    [Theory]
    [InlineData("post_relu", NormPosition.Post, Activation.Relu)]
    [InlineData("post_gelu", NormPosition.Post, Activation.Gelu)]
    [InlineData("pre_relu", NormPosition.Pre, Activation.Relu)]
    [InlineData("pre_gelu", NormPosition.Pre, Activation.Gelu)]
    public void EncoderLayerMatchesPyTorch(string tag, NormPosition norm, Activation act)
    {
        string c = "enc_" + tag;
        var layer = new TransformerEncoderLayer(new TransformerLayerOptions(E, H, FF, 0f, act, norm));
        var src = Leaf($"{c}.input.src");
        var kpm = Fx.Get($"{c}.input.src_key_padding_mask");
        CheckCase(c, layer, new() { ["src"] = src }, () => new() { ["output"] = layer.Forward(src, kpm) });
    }

    [Theory]
    [InlineData("post_relu", NormPosition.Post, Activation.Relu)]
    [InlineData("post_gelu", NormPosition.Post, Activation.Gelu)]
    [InlineData("pre_relu", NormPosition.Pre, Activation.Relu)]
    [InlineData("pre_gelu", NormPosition.Pre, Activation.Gelu)]
    public void DecoderLayerMatchesPyTorch(string tag, NormPosition norm, Activation act)
    {
        string c = "dec_" + tag;
        var layer = new TransformerDecoderLayer(new TransformerLayerOptions(E, H, FF, 0f, act, norm));
        var tgt = Leaf($"{c}.input.tgt"); var mem = Leaf($"{c}.input.memory");
        var tkpm = Fx.Get($"{c}.input.tgt_key_padding_mask"); var mkpm = Fx.Get($"{c}.input.memory_key_padding_mask");
        var causal = Attention.GenerateSquareSubsequentMask(tgt.Shape[1]);
        CheckCase(c, layer, new() { ["tgt"] = tgt, ["memory"] = mem },
            () => new() { ["output"] = layer.Forward(tgt, mem, causal, tkpm, mkpm) });
        using (GradMode.NoGrad())
            AssertClose(Fx.Get($"{c}.output.output"), layer.Forward(tgt, mem, null, tkpm, mkpm, tgtIsCausal: true), $"{c} causal flag");
    }

    [Fact]
    public void EncoderStackMatchesPyTorch()
    {
        const string c = "enc_stack";
        var enc = new TransformerEncoder(new TransformerLayerOptions(E, H, FF, 0f, Activation.Gelu, NormPosition.Pre), 2, finalNorm: true);
        var src = Leaf($"{c}.input.src");
        var kpm = Fx.Get($"{c}.input.src_key_padding_mask");
        CheckCase(c, enc, new() { ["src"] = src }, () => new() { ["output"] = enc.Forward(src, kpm) });
    }

    [Fact]
    public void DecoderStackMatchesPyTorch()
    {
        const string c = "dec_stack";
        var dec = new TransformerDecoder(new TransformerLayerOptions(E, H, FF, 0f, Activation.Relu, NormPosition.Post), 2, finalNorm: true);
        var tgt = Leaf($"{c}.input.tgt"); var mem = Leaf($"{c}.input.memory");
        var mkpm = Fx.Get($"{c}.input.memory_key_padding_mask");
        CheckCase(c, dec, new() { ["tgt"] = tgt, ["memory"] = mem },
            () => new() { ["output"] = dec.Forward(tgt, mem, Attention.GenerateSquareSubsequentMask(tgt.Shape[1]), null, mkpm) });
    }

    [Fact]
    public void ParameterNamesFollowPyTorch()
    {
        var dec = new TransformerDecoderLayer(new TransformerLayerOptions(E, H, FF));
        var names = dec.NamedParameters().Select(p => p.Name).ToHashSet();
        foreach (var attn in new[] { "self_attn", "multihead_attn" })
            foreach (var p in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
                foreach (var w in new[] { "weight", "bias" })
                    Assert.Contains($"{attn}.{p}.{w}", names);
        foreach (var n in new[] { "linear1.weight", "linear2.bias", "norm1.weight", "norm2.bias", "norm3.weight" }) Assert.Contains(n, names);
        Assert.Equal(8 + 8 + 2 + 2 + 6, names.Count);
    }
}
