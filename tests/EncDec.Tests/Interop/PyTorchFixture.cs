using System.Text.Json;
using EncDec.IO;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Tests.Cli;
using Xunit;

namespace EncDec.Tests.Interop;

/// <summary>
/// One PyTorch fixture (tests/fixtures/interop/pytorch/NAME.json + NAME.safetensors, written by the make_pytorch_*.py
/// scripts): the batch it was run on, PyTorch's logits, and the two checks every mapping's round trip makes.
/// </summary>
internal sealed class PyTorchFixture
{
    public JsonElement Spec { get; }
    public string Weights { get; }

    public PyTorchFixture(string name)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "interop", "pytorch");
        Spec = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, name + ".json"))).RootElement;
        Weights = Path.Combine(dir, name + ".safetensors");
    }

    /// <summary>PyTorch's logits (B, T, V), flattened.</summary>
    public float[] ExpectedLogits() =>
        Spec.GetProperty("logits").EnumerateArray().SelectMany(b => b.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle()))).ToArray();

    /// <summary>The largest absolute difference between PyTorch's logits and the loaded model's on the fixture's batch.</summary>
    public float WorstLogitDifference(LoadedModel loaded)
    {
        int[][] Rows(string p) => Spec.GetProperty(p).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        var src = Rows("src"); var tgt = Rows("tgt_in");
        var lengths = Spec.GetProperty("src_lengths").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var expected = ExpectedLogits();
        Tensor logits;
        using (GradMode.NoGrad())
            (logits, _) = ((EncoderDecoder)loaded.Model).Forward(new IndexTensor(src.SelectMany(r => r).ToArray(), src.Length, src[0].Length), lengths,
                                                                 new IndexTensor(tgt.SelectMany(r => r).ToArray(), tgt.Length, tgt[0].Length));   // (B, T, V)
        var got = logits.Contiguous().ToArray();
        Assert.Equal(expected.Length, got.Length);
        return expected.Zip(got).Max(p => Math.Abs(p.First - p.Second));
    }

    /// <summary><c>encdec export --format pytorch</c> of the imported model gives back PyTorch's state dict bit for bit.</summary>
    public void AssertExportsBackUnchanged(string importedModel, TempDir dir)
    {
        string back = dir.File("back.safetensors");
        CliRunner.Ok("export", "--model", importedModel, "--format", "pytorch", "--output", back);
        var (orig, _) = SafeTensors.Load(Weights);
        var (again, _) = SafeTensors.Load(back);
        Assert.Equal(orig.Keys.Order(), again.Keys.Order());
        foreach (var (name, t) in orig)
            Assert.True(t.ToArray().AsSpan().SequenceEqual(again[name].ToArray()), name);
    }
}
