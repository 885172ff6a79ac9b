using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Nn;

public class ModuleTests
{
    private sealed class Block : Module
    {
        public Linear QProj { get; } = new(4, 4, rng: new Rng(1));
        private readonly LayerNorm _norm1 = new(4);
        public Dropout Drop { get; } = new(0.1f);
    }

    private sealed class Net : Module
    {
        public Embedding Embed { get; } = new(10, 4, paddingIdx: 0, rng: new Rng(2));
        public ModuleList<Block> Layers { get; } = new(new[] { new Block(), new Block() });
        public Linear Generator { get; }
        [Buffer] public Tensor Steps { get; } = Init.Buffer(Tensor.Zeros(1));
        [NotState] public Tensor Cache { get; } = Tensor.Zeros(1);
        public Net() { Generator = new Linear(4, 10, bias: false); }
    }

    [Fact]
    public void NamesAreStableDottedSnakeCase()
    {
        var net = new Net();
        var names = net.NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(new[]
        {
            "embed.weight",
            "layers.0.q_proj.weight", "layers.0.q_proj.bias", "layers.0.norm1.weight", "layers.0.norm1.bias",
            "layers.1.q_proj.weight", "layers.1.q_proj.bias", "layers.1.norm1.weight", "layers.1.norm1.bias",
            "generator.weight",
        }, names);
        Assert.Equal(new[] { "steps" }, net.NamedBuffers().Select(b => b.Name).ToArray());
        Assert.Equal(10 * 4 + 2 * (16 + 4 + 4 + 4) + 40, net.ParameterCount);
    }

    private sealed class Tied : Module
    {
        public Embedding Src { get; } = new(5, 3);
        public Tensor OutWeight { get; }
        public Tied() { OutWeight = Src.Weight; }
    }

    [Fact]
    public void TiedWeightsAppearOnce()
    {
        var m = new Tied();
        Assert.Equal(new[] { "out_weight" }, m.NamedParameters().Select(p => p.Name).ToArray());
        Assert.Equal(15, m.ParameterCount);
    }

    [Fact]
    public void TrainEvalPropagates()
    {
        var net = new Net();
        net.Eval();
        Assert.All(net.NamedModules(), m => Assert.False(m.Module.Training));
        net.Train();
        Assert.True(net.Layers[1].Drop.Training);
    }

    [Fact]
    public void LoadStateDictCopiesAndReportsProblems()
    {
        var a = new Net(); var b = new Net();
        foreach (var p in a.Parameters()) p.Span.Fill(0.5f);
        b.LoadStateDict(a.StateDict());
        Assert.All(b.Parameters(), p => Assert.All(p.ToArray(), v => Assert.Equal(0.5f, v)));

        var bad = new Dictionary<string, Tensor>(a.StateDict());
        bad.Remove("generator.weight");
        bad["embed.weight"] = Tensor.Zeros(3, 3);
        bad["extra.bias"] = Tensor.Zeros(1);
        var ex = Assert.Throws<UserInputException>(() => b.LoadStateDict(bad));
        Assert.Contains("missing key 'generator.weight' (10, 4)", ex.Message);
        Assert.Contains("shape mismatch for 'embed.weight': checkpoint (3, 3), model (10, 4)", ex.Message);
        Assert.Contains("unexpected key 'extra.bias'", ex.Message);
    }

    [Theory]
    [InlineData("QProj", "q_proj")]
    [InlineData("_selfAttn", "self_attn")]
    [InlineData("FFN", "ffn")]
    [InlineData("Norm1", "norm1")]
    [InlineData("HTTPServer", "http_server")]
    public void SnakeCase(string input, string expected) => Assert.Equal(expected, Module.ToSnakeCase(input));
}
