using System.Diagnostics;
using System.Globalization;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Bench;

/// <summary>
/// Forward+backward time of one Transformer encoder layer and one decoder layer (d_model 256, 4 heads, FFN 1024,
/// dropout 0.1 in training mode, batch 64, source and target length 20, padding in the batch, causal target mask).
/// Prints one JSON line per layer with the median over the timed iterations.
/// Options: <c>--iters N</c> (default 20, at least 10), <c>--warmup N</c> (default 10; tiered JIT needs several).
/// </summary>
public static partial class LayersBench
{
    private const int DModel = 256, Heads = 4, FeedForward = 1024, Batch = 64, Length = 20;

    public static void RunTransformer(string[] args)
    {
        int iters = Math.Max(10, BenchArgs.Int(args, "--iters", 20));
        int warmup = Math.Max(0, BenchArgs.Int(args, "--warmup", 10));
        var opts = new TransformerLayerOptions(DModel, Heads, FeedForward, 0.1f, Activation.Relu, NormPosition.Post);
        var rng = new Rng(1);
        var enc = new TransformerEncoderLayer(opts, rng);
        var dec = new TransformerDecoderLayer(opts, rng);

        Tensor src, tgt, memory, pad;
        using (TensorScope.Suspend())   // inputs live across iterations; temporaries go to each iteration's scope
        {
            src = Tensor.Randn(rng, Batch, Length, DModel).RequiresGrad_();
            tgt = Tensor.Randn(rng, Batch, Length, DModel).RequiresGrad_();
            memory = Tensor.Randn(rng, Batch, Length, DModel).RequiresGrad_();
            pad = Tensor.Zeros(Batch, Length);
        }
        for (int b = 0; b < Batch; b++)
            for (int t = Length - b % 5; t < Length; t++) pad[b, t] = 1f;       // up to 4 padded positions per row

        Report("transformer_encoder", Median(iters, warmup, () =>
        {
            var y = enc.Forward(src, pad);
            y.Sum().Backward();
            enc.ZeroGrad(); src.Grad = null;
        }), iters);
        Report("transformer_decoder", Median(iters, warmup, () =>
        {
            var y = dec.Forward(tgt, memory, null, pad, pad, tgtIsCausal: true);
            y.Sum().Backward();
            dec.ZeroGrad(); tgt.Grad = null; memory.Grad = null;
        }), iters);
    }

    private static double Median(int iters, int warmup, Action step)
    {
        for (int i = 0; i < warmup; i++) { using var _ = TensorScope.Begin(); step(); }
        var times = new double[iters];
        for (int i = 0; i < iters; i++)
        {
            var sw = Stopwatch.StartNew();
            using (TensorScope.Begin()) step();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return iters % 2 == 1 ? times[iters / 2] : 0.5 * (times[iters / 2 - 1] + times[iters / 2]);
    }

    private static void Report(string layer, double ms, int iters)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"layers\",\"layer\":\"{layer}\",\"fwd_bwd_ms\":{ms:F3},\"iters\":{iters},\"d_model\":{DModel},\"heads\":{Heads},\"ffn\":{FeedForward},\"batch\":{Batch},\"length\":{Length}}}"));
}
