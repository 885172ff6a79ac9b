using EncDec.Autograd;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Autograd;

/// <summary>
/// Golden values from PyTorch 1.13 (tests/fixtures/make_fixtures.py). Values and gradients must match
/// with a norm-wise relative error ‖ours − torch‖₂ / ‖torch‖₂ below 1e-5 per tensor.
/// </summary>
public class TorchParityTests
{
    private const double Tol = 1e-5;

    [Fact]
    public void CompositeLossAndGradientsMatchTorch()
    {
        var fx = Fixtures.Load("composite");
        string[] names = { "emb.weight", "fc1.weight", "fc1.bias", "ln.weight", "ln.bias", "fc2.weight", "fc2.bias" };
        var p = names.ToDictionary(n => n, n => fx[n].ToTensor().RequiresGrad_());
        var ids = fx["ids"].ToIndexTensor();
        var targets = fx["targets"].ToIndexTensor();
        int pad = fx["pad"].ToInt();
        int v = p["fc2.weight"].Shape[0];

        var x = F.Embedding(ids, p["emb.weight"], paddingIdx: pad);                 // (B, T, D)
        var h = F.Linear(x, p["fc1.weight"], p["fc1.bias"]).Gelu();                   // (B, T, H)
        h = F.LayerNorm(h, p["ln.weight"], p["ln.bias"], 1e-5f);
        var logits = F.Linear(h, p["fc2.weight"], p["fc2.bias"]);                     // (B, T, V)
        var loss = F.CrossEntropy(logits.Reshape(-1, v), targets, ignoreIndex: pad, labelSmoothing: 0.1f);
        loss.Backward();

        Fixtures.AssertClose(fx["logits"], logits, Tol);
        Fixtures.AssertClose(fx["loss"], loss, Tol);
        foreach (var n in names) Fixtures.AssertClose(fx["grad." + n], p[n].Grad, Tol, "grad." + n);
        // the padding row of the embedding gets exactly zero gradient
        Assert.All(p["emb.weight"].Grad!.Select(0, pad).ToArray(), g => Assert.Equal(0f, g));
    }

    /// <summary>Checks y = op(inputs) and the gradients of Σ y ⊙ r against the fixture entries "name.*".</summary>
    private static void CheckOp(string name, string[] inputNames, Func<Tensor[], Tensor> op)
    {
        var fx = Fixtures.Load("ops");
        var xs = inputNames.Select(n => fx[$"{name}.{n}"].ToTensor().RequiresGrad_()).ToArray();
        var y = op(xs);
        Fixtures.AssertClose(fx[$"{name}.y"], y, Tol, $"{name}.y");
        y.Backward(fx[$"{name}.r"].ToTensor());
        for (int i = 0; i < xs.Length; i++)
            Fixtures.AssertClose(fx[$"{name}.d{inputNames[i]}"], xs[i].Grad, Tol, $"{name}.d{inputNames[i]}");
    }

    [Fact] public void SoftmaxMatchesTorch()
    {
        CheckOp("softmax_last", new[] { "x" }, x => x[0].Softmax(-1));
        CheckOp("softmax_dim1", new[] { "x" }, x => x[0].Softmax(1));
    }

    [Fact] public void LogSoftmaxMatchesTorch()
    {
        CheckOp("log_softmax_last", new[] { "x" }, x => x[0].LogSoftmax(-1));
        CheckOp("log_softmax_dim0", new[] { "x" }, x => x[0].LogSoftmax(0));
    }

    [Fact] public void MaskedSoftmaxMatchesTorch()
    {
        var mask = Fixtures.Load("ops")["masked_softmax.mask"].ToTensor();         // (T, T), 1 = masked
        CheckOp("masked_softmax", new[] { "x" }, x => x[0].MaskedFill(mask, float.NegativeInfinity).Softmax(-1));
    }

    [Fact] public void GeluMatchesTorch()
    {
        CheckOp("gelu", new[] { "x" }, x => x[0].Gelu());
        CheckOp("gelu_tanh", new[] { "x" }, x => x[0].Gelu(tanhApproximation: true));
    }

    [Fact] public void LayerNormMatchesTorch()
        => CheckOp("layer_norm", new[] { "x", "w", "b" }, x => F.LayerNorm(x[0], x[1], x[2], 1e-5f));

    [Fact] public void MatMulMatchesTorch()
    {
        CheckOp("matmul_batched", new[] { "a", "b" }, x => x[0].MatMul(x[1]));
        CheckOp("matmul_broadcast", new[] { "a", "b" }, x => x[0].MatMul(x[1]));
    }

    [Fact] public void CrossEntropyNoReductionMatchesTorch()
    {
        var tg = Fixtures.Load("ops")["cross_entropy.targets"].ToIndexTensor();
        CheckOp("cross_entropy", new[] { "x" }, x => F.CrossEntropy(x[0], tg, ignoreIndex: 2, labelSmoothing: 0.1f, reduction: Reduction.None));
        CheckOp("cross_entropy_plain", new[] { "x" }, x => F.CrossEntropy(x[0], tg, reduction: Reduction.None));
    }

    [Fact]
    public void FixtureReaderHandlesIntsScalarsAndNonFinite()
    {
        var fx = Fixtures.Parse("""
            {"a": {"dtype": "float32", "shape": [2], "data": [1.5, "-inf"]},
             "i": {"dtype": "int64", "shape": [], "data": [7]}}
            """u8.ToArray());
        Assert.Equal(new[] { 1.5f, float.NegativeInfinity }, fx["a"].Data);
        Assert.False(fx["a"].IsInteger);
        Assert.Equal(7, fx["i"].ToInt());
        Assert.Equal(new[] { 7 }, fx["i"].ToIndexTensor().Data);
    }
}
