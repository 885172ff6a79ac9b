using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// The fixed sinusoidal encoding of "Attention Is All You Need": PE[pos, 2i] = sin(pos / 10000^(2i/d)),
/// PE[pos, 2i+1] = cos(pos / 10000^(2i/d)). The table is not state (nothing is saved); it is computed in double
/// precision and grows on demand. <see cref="Forward"/> adds it to (B, T, d) inputs starting at a position
/// offset (the number of tokens already decoded, for incremental decoding).
/// </summary>
public sealed class SinusoidalPositionalEncoding : Module
{
    public int DModel { get; }
    private float[] _table = Array.Empty<float>();
    private int _rows;
    private readonly object _lock = new();

    public SinusoidalPositionalEncoding(int dModel, int initialLength = 256)
    {
        if (dModel <= 0) throw new ArgumentOutOfRangeException(nameof(dModel));
        DModel = dModel;
        EnsureRows(initialLength);
    }

    /// <summary>PE rows [offset, offset + length) as a new (length, d) tensor (no gradient).</summary>
    public Tensor Table(int length, int offset = 0)
    {
        if (offset < 0 || length < 0) throw new ArgumentOutOfRangeException(nameof(offset));
        var table = EnsureRows(offset + length);
        var t = Tensor.Empty(length, DModel);
        table.AsSpan(offset * DModel, length * DModel).CopyTo(t.Span);
        return t;
    }

    /// <summary>x (B, T, d) + PE[offset .. offset + T).</summary>
    public Tensor Forward(Tensor x, int offset = 0)
    {
        if (x.Rank != 3 || x.Shape[2] != DModel) throw new ArgumentException($"expected (B, T, {DModel}), got {ShapeUtil.Format(x.Shape)}");
        return x + Table(x.Shape[1], offset);                               // (B, T, d) + (T, d)
    }

    private float[] EnsureRows(int rows)
    {
        lock (_lock)
        {
            if (rows <= _rows) return _table;
            int n = Math.Max(rows, _rows * 2);
            var t = new float[n * DModel];
            for (int pos = 0; pos < n; pos++)
                for (int c = 0; c < DModel; c++)
                {
                    int twoI = c & ~1;
                    double angle = pos / Math.Pow(10000.0, (double)twoI / DModel);
                    t[pos * DModel + c] = (float)((c & 1) == 0 ? Math.Sin(angle) : Math.Cos(angle));
                }
            _table = t; _rows = n;
            return t;
        }
    }
}
