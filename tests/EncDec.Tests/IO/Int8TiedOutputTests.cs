using EncDec.Autograd;
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
        // the embedding still reads the floats; the int8 output layer is close to the float one
        var x = Tensor.Randn(new Rng(2), 3, 32);
        using var _ = GradMode.NoGrad();
        var f = Generator(model).Forward(x).ToArray(); var q = Generator(a).Forward(x).ToArray();
        Assert.NotEqual(f, q);
        for (int i = 0; i < f.Length; i++) Assert.Equal(f[i], q[i], 0.05f);
        Assert.Equal(((Embedding)model.NamedModules().Select(m => m.Module).OfType<Embedding>().First()).Weight.ToArray(),
                     a.NamedModules().Select(m => m.Module).OfType<Embedding>().First().Weight.ToArray());
    }
}
