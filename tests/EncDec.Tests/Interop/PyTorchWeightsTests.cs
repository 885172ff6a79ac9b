using EncDec.IO;
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
    [Theory]
    [InlineData("post")]
    [InlineData("pre")]
    public void PyTorch_state_dict_gives_pytorch_logits_and_exports_back_unchanged(string norm)
    {
        using var dir = new TempDir();
        var fixture = new PyTorchFixture($"transformer_{norm}");
        string model = dir.File("imported.safetensors");
        CliRunner.Ok("import", "--from", "pytorch", "--mapping", "transformer", "--weights", fixture.Weights,
                     "--heads", fixture.Spec.GetProperty("heads").GetInt32().ToString(), "--norm", norm, "--output", model);
        var loaded = ModelStore.Load(model);
        Assert.Equal(norm == "pre" ? NormPosition.Pre : NormPosition.Post, loaded.Config.Norm);
        float worst = fixture.WorstLogitDifference(loaded);
        Assert.True(worst < 1e-5, $"{norm}: logits differ from PyTorch's by {worst}");
        fixture.AssertExportsBackUnchanged(model, dir);
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
