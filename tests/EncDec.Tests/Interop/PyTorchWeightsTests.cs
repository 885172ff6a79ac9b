using System.Text.Json;
using EncDec.Autograd;
using EncDec.Interop.PyTorch;
using EncDec.IO;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Tests.Cli;
using Xunit;

namespace EncDec.Tests.Interop;

/// <summary>
/// A tiny nn.Transformer seq2seq model trained in PyTorch (tests/fixtures/interop/make_pytorch_fixtures.py) loads into EncDec
/// through the transformer mapping with PyTorch's logits (1e-5), and exporting it back gives PyTorch's state dict exactly.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class PyTorchWeightsTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "interop", "pytorch", name);

    [Theory]
    [InlineData("post")]
    [InlineData("pre")]
    public void PyTorch_state_dict_gives_pytorch_logits_and_exports_back_unchanged(string norm)
    {
        using var dir = new TempDir();
        var spec = JsonDocument.Parse(File.ReadAllText(Fixture($"transformer_{norm}.json"))).RootElement;
        string weights = Fixture($"transformer_{norm}.safetensors");
        string model = dir.File("imported.safetensors");
        CliRunner.Ok("import", "--from", "pytorch", "--mapping", "transformer", "--weights", weights, "--heads", spec.GetProperty("heads").GetInt32().ToString(),
                     "--norm", norm, "--output", model);
        var loaded = ModelStore.Load(model);
        Assert.Equal(norm == "pre" ? NormPosition.Pre : NormPosition.Post, loaded.Config.Norm);
        int[][] Rows(string p) => spec.GetProperty(p).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        var src = Rows("src"); var tgt = Rows("tgt_in");
        var lengths = spec.GetProperty("src_lengths").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var expected = spec.GetProperty("logits").EnumerateArray().SelectMany(b => b.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle()))).ToArray();
        Tensor logits;
        using (GradMode.NoGrad())
            (logits, _) = ((EncoderDecoder)loaded.Model).Forward(new IndexTensor(src.SelectMany(r => r).ToArray(), src.Length, src[0].Length), lengths,
                                                                 new IndexTensor(tgt.SelectMany(r => r).ToArray(), tgt.Length, tgt[0].Length));   // (B, T, V)
        var got = logits.Contiguous().ToArray();
        Assert.Equal(expected.Length, got.Length);
        float worst = expected.Zip(got).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst < 1e-5, $"{norm}: logits differ from PyTorch's by {worst}");

        // back to PyTorch's names: the same tensors, bit for bit
        string back = dir.File("back.safetensors");
        CliRunner.Ok("export", "--model", model, "--format", "pytorch", "--output", back);
        var (orig, _) = SafeTensors.Load(weights);
        var (again, _) = SafeTensors.Load(back);
        Assert.Equal(orig.Keys.Order(), again.Keys.Order());
        foreach (var (name, t) in orig)
            Assert.True(t.ToArray().AsSpan().SequenceEqual(again[name].ToArray()), name);
    }

    [Fact]
    public void A_state_dict_of_another_layout_is_one_line_naming_the_tensor()
    {
        using var dir = new TempDir();
        string bad = dir.File("bad.safetensors");
        SafeTensors.Save(bad, new Dictionary<string, Tensor> { ["src_tok_emb.weight"] = Tensor.Zeros(8, 4), ["encoder.fc.weight"] = Tensor.Zeros(2, 2) });
        var err = CliRunner.Run("import", "--from", "pytorch", "--weights", bad, "--heads", "2", "--output", dir.File("m.safetensors"));
        Assert.Equal(1, err.ExitCode);
        Assert.Single(err.ErrorLines);
        Assert.Contains("generator.weight", err.Stderr);
        Assert.False(File.Exists(dir.File("m.safetensors")));
    }
}
