using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// Batch normalisation of (N, C, H, W) per channel with PyTorch's state: <c>weight</c> (γ = 1), <c>bias</c> (β = 0)
/// and the buffers <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>. Training normalises with
/// the batch statistics and updates the running ones (momentum 0.1); evaluation uses the running ones.
/// </summary>
public sealed class BatchNorm2d : Module
{
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    [Buffer] public Tensor RunningMean { get; }
    [Buffer] public Tensor RunningVar { get; }
    /// <summary>Training steps seen (a float scalar here; PyTorch stores int64).</summary>
    [Buffer] public Tensor NumBatchesTracked { get; }
    [NotState] public float Eps { get; }
    [NotState] public float Momentum { get; }

    public BatchNorm2d(int channels, float eps = 1e-5f, float momentum = 0.1f)
    {
        Eps = eps; Momentum = momentum;
        Weight = Init.Constant(1f, channels);
        Bias = Init.Constant(0f, channels);
        RunningMean = Init.Buffer(Tensor.Zeros(channels));
        RunningVar = Init.Buffer(Tensor.Ones(channels));
        NumBatchesTracked = Init.Buffer(Tensor.Zeros(Array.Empty<int>()));
    }

    public Tensor Forward(Tensor x)
    {
        if (x.Rank != 4) throw new ArgumentException($"BatchNorm2d: input {ShapeUtil.Format(x.Shape)} must be (N, C, H, W)");
        if (Training) NumBatchesTracked.Span[0] += 1;
        return F.BatchNorm(x, RunningMean, RunningVar, Weight, Bias, Training, Momentum, Eps);
    }
}
