using EncDec.IO;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Tests.Cli;
using Xunit;

namespace EncDec.Tests.Interop;

/// <summary>
/// A tiny nn.LSTM encoder-decoder (bi-LSTM encoder, 2 layers, Bahdanau or Luong general attention, input feeding) trained in
/// PyTorch (tests/fixtures/interop/make_pytorch_lstm_fixtures.py) loads into EncDec through the lstm mapping with PyTorch's
/// logits (1e-5), and exporting it back gives PyTorch's state dict exactly.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class PyTorchLstmWeightsTests
{
    [Theory]
    [InlineData("bahdanau", AttentionKind.Bahdanau)]
    [InlineData("general", AttentionKind.LuongGeneral)]
    public void PyTorch_lstm_state_dict_gives_pytorch_logits_and_exports_back_unchanged(string attention, AttentionKind kind)
    {
        using var dir = new TempDir();
        var fixture = new PyTorchFixture($"lstm_{attention}");
        string model = dir.File("imported.safetensors");
        CliRunner.Ok("import", "--from", "pytorch", "--mapping", "lstm", "--weights", fixture.Weights, "--output", model);
        var loaded = ModelStore.Load(model);
        var c = loaded.Config;
        Assert.Equal((ModelFamily.Rnn, RnnCellKind.Lstm, kind, true, true), (c.Family, c.Cell, c.Attention, c.Bidirectional, c.InputFeeding));
        Assert.Equal((8, 12, 2, 2), (c.DModel, c.HiddenSize, c.EncoderLayers, c.DecoderLayers));
        float worst = fixture.WorstLogitDifference(loaded);
        Assert.True(worst < 1e-5, $"{attention}: logits differ from PyTorch's by {worst}");
        var expected = fixture.ExpectedLogits();
        Assert.True(expected.Max() - expected.Min() > 0.5f, "the fixture's logits are not trivial");
        fixture.AssertExportsBackUnchanged(model, dir);
    }

    [Fact]
    public void A_gru_state_dict_or_a_transformer_without_heads_is_one_line()
    {
        using var dir = new TempDir();
        string gru = dir.File("gru.safetensors");
        SafeTensors.Save(gru, new Dictionary<string, Tensor>
        {
            ["src_emb.weight"] = Tensor.Zeros(8, 4), ["encoder.weight_ih_l0"] = Tensor.Zeros(18, 4), ["encoder.weight_hh_l0"] = Tensor.Zeros(18, 6),
        });
        var err = CliRunner.Run("import", "--from", "pytorch", "--mapping", "lstm", "--weights", gru, "--output", dir.File("m.safetensors"));
        Assert.Equal(1, err.ExitCode);
        Assert.Single(err.ErrorLines);
        Assert.Contains("encoder.weight_hh_l0", err.Stderr);
        Assert.False(File.Exists(dir.File("m.safetensors")));
        var heads = CliRunner.Run("import", "--from", "pytorch", "--mapping", "transformer", "--weights", gru, "--output", dir.File("m.safetensors"));
        Assert.Equal(1, heads.ExitCode);
        Assert.Contains("--heads", heads.Stderr);
    }
}
