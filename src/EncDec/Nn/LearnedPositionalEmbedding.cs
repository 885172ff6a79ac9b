using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// Learned absolute positions: a (maxLength, d) table <c>weight</c> (init N(0, 1) like <see cref="Embedding"/>)
/// added to (B, T, d) inputs from a position offset. Positions beyond <see cref="MaxLength"/> are an error.
/// </summary>
public sealed class LearnedPositionalEmbedding : Module
{
    public Tensor Weight { get; }
    public int MaxLength { get; }
    public int DModel { get; }

    public LearnedPositionalEmbedding(int maxLength, int dModel, Rng? rng = null)
    {
        MaxLength = maxLength; DModel = dModel;
        Weight = Init.Normal(1f, rng, maxLength, dModel);
    }

    /// <summary>x (B, T, d) + weight[offset .. offset + T).</summary>
    public Tensor Forward(Tensor x, int offset = 0)
    {
        if (x.Rank != 3 || x.Shape[2] != DModel) throw new ArgumentException($"expected (B, T, {DModel}), got {ShapeUtil.Format(x.Shape)}");
        int t = x.Shape[1];
        if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset));
        if (offset + t > MaxLength)
            throw new UserInputException($"sequence needs positions up to {offset + t} but the learned positional embedding has only {MaxLength} (max_length); shorten the input or train with a larger maximum length");
        return x + Weight.Narrow(0, offset, t);                             // (B, T, d) + (T, d)
    }
}
