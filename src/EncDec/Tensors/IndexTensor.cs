namespace EncDec.Tensors;

/// <summary>An int32 tensor of indices (token ids, targets, gather indices): row-major, contiguous.</summary>
public sealed class IndexTensor
{
    public int[] Data { get; }
    public int[] Shape { get; }
    public int Numel => Data.Length;
    public int Rank => Shape.Length;

    public IndexTensor(int[] data, params int[] shape)
    {
        if (shape.Length == 0) shape = new[] { data.Length };
        if (ShapeUtil.Numel(shape) != data.Length)
            throw new ArgumentException($"{data.Length} indices do not fill shape {ShapeUtil.Format(shape)}");
        Data = data; Shape = shape;
    }

    /// <summary>From int64 values (e.g. a PyTorch LongTensor); throws if a value does not fit in int32.</summary>
    public static IndexTensor FromInt64(long[] data, params int[] shape)
        => new(data.Select(v => checked((int)v)).ToArray(), shape);

    public int Size(int dim) => Shape[ShapeUtil.NormalizeDim(dim, Rank)];

    public override string ToString() => $"IndexTensor{ShapeUtil.Format(Shape)}";
}
