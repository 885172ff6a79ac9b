using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Token embedding scaled by √d plus positional encoding, then dropout (the Transformer paper's input).</summary>
public sealed class TransformerEmbedding : TokenEmbeddingModule
{
    public Embedding Tokens { get; }
    public Module Positions { get; }
    public Dropout Dropout { get; }
    private readonly float _scale;

    public TransformerEmbedding(Embedding tokens, PositionalKind positional, int maxPositions, float dropout, Rng? rng = null)
    {
        Tokens = tokens;
        int d = tokens.EmbeddingDim;
        Positions = positional == PositionalKind.Sinusoidal
            ? new SinusoidalPositionalEncoding(d, Math.Min(maxPositions, 512))
            : new LearnedPositionalEmbedding(maxPositions, d, rng);
        Dropout = new Dropout(dropout, rng);
        _scale = MathF.Sqrt(d);
    }

    /// <summary>ids (B, T) → (B, T, d).</summary>
    public override Tensor Forward(IndexTensor ids, int positionOffset = 0)
    {
        var x = Tokens.Forward(ids).MulScalar(_scale);                  // (B, T, d)
        x = Positions switch
        {
            SinusoidalPositionalEncoding s => s.Forward(x, positionOffset),
            LearnedPositionalEmbedding l => l.Forward(x, positionOffset),
            _ => x,
        };
        return Dropout.Forward(x);
    }

    /// <summary>
    /// One step of rows that sit at different positions (a decoder-only model's prompts of different lengths):
    /// ids (B, 1) with each row's position → (B, 1, d), equal to row i of <see cref="Forward"/> with offset positions[i].
    /// </summary>
    public Tensor ForwardAt(IndexTensor ids, int[] positions)
    {
        int b = ids.Shape[0], d = Tokens.EmbeddingDim;
        if (ids.Rank != 2 || ids.Shape[1] != 1 || positions.Length != b)
            throw new ArgumentException($"expected ids (B, 1) and B positions, got {ShapeUtil.Format(ids.Shape)} and {positions.Length}");
        var x = Tokens.Forward(ids).MulScalar(_scale);                  // (B, 1, d)
        Tensor? pe = Positions switch
        {
            SinusoidalPositionalEncoding s => SinusoidalRows(s, positions),
            LearnedPositionalEmbedding l => LearnedRows(l, positions),
            _ => null,
        };
        return Dropout.Forward(pe is null ? x : x + pe.Reshape(b, 1, d));   // (B, 1, d) + (B, d) → (B, 1, d)
    }

    private static Tensor SinusoidalRows(SinusoidalPositionalEncoding s, int[] positions)
    {
        var rows = Tensor.Empty(positions.Length, s.DModel);             // (B, d)
        for (int i = 0; i < positions.Length; i++) s.Table(1, positions[i]).Span.CopyTo(rows.Span.Slice(i * s.DModel, s.DModel));
        return rows;
    }

    private static Tensor LearnedRows(LearnedPositionalEmbedding l, int[] positions)
    {
        int last = positions.Max();
        if (last >= l.MaxLength)
            throw new UserInputException($"sequence needs positions up to {last + 1} but the learned positional embedding has only {l.MaxLength} (max_length); shorten the input or train with a larger maximum length");
        return F.IndexSelect(l.Weight, 0, new IndexTensor(positions, positions.Length));   // (B, d)
    }
}
