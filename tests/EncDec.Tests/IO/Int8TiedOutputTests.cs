using EncDec.IO;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Tests.Models;
using Xunit;

namespace EncDec.Tests.IO;

public class Int8TiedOutputTests
{
    [Fact]
    public void A_tied_output_layer_runs_on_int8_after_loading_unless_kept_float()
    {
        var config = ModelTestKit.Transformer(20, 20, d: 32, heads: 2, ffn: 48, layers: 1) with { ShareEmbeddings = true, TieOutput = true };
        var model = (EncoderDecoder)ModelFactory.Build(config);
        model.Eval();
        using var tmp = new TempDir();
        string all = tmp.File("all.safetensors"), kept = tmp.File("kept.safetensors");
        Int8Checkpoint.Save(all, model, config, null, null, 1, []);
        Int8Checkpoint.Save(kept, model, config, null, null, 1, ["generator"]);
        Linear Generator(Module m) => (Linear)m.NamedModules().Single(x => x.Name == "generator").Module;
        var a = ModelStore.Load(all).Model; var k = ModelStore.Load(kept).Model;
        Assert.NotNull(Generator(a).Int8);
        Assert.Null(Generator(k).Int8);
        // the int8 output layer is close to the float one
        var x = Tensor.Randn(new Rng(2), 3, 32);
        using var _ = GradMode.NoGrad();
        var f = Generator(model).Forward(x).ToArray(); var q = Generator(a).Forward(x).ToArray();
        Assert.NotEqual(f, q);
        for (int i = 0; i < f.Length; i++) Assert.Equal(f[i], q[i], 0.05f);
        // the shared table is stored int8 too (one scale per row) and read back dequantised, within half a step of each
        // float; keeping the tied output layer float keeps its table float
        static float[] Table(Module m) => m.NamedModules().Select(x => x.Module).OfType<Embedding>().First().Weight.ToArray();
        var floats = Table(model); var dequantised = Table(a);
        Assert.NotEqual(floats, dequantised);
        for (int r = 0; r < 20; r++)
        {
            float max = 0; for (int c = 0; c < 32; c++) max = MathF.Max(max, MathF.Abs(floats[r * 32 + c]));
            for (int c = 0; c < 32; c++) Assert.True(MathF.Abs(floats[r * 32 + c] - dequantised[r * 32 + c]) <= max / 127f * 0.5f + 1e-7f);
        }
        Assert.Equal(floats, Table(k));
        Assert.Contains(SafeTensors.ReadHeader(all).Tensors, t => t.Name.EndsWith("tokens.weight", StringComparison.Ordinal) && t.DType == SafeTensorsDType.I8);
        Assert.DoesNotContain(SafeTensors.ReadHeader(kept).Tensors, t => t.DType == SafeTensorsDType.I8 && t.Name.EndsWith("tokens.weight", StringComparison.Ordinal));
    }
}
