namespace EncDec.Tensors.Gemm;

/// <summary>
/// A right-hand GEMM operand op(B) (K, N) packed once into the managed kernel's column panels
/// (<c>ManagedGemm.PackB</c>), for products that reuse one constant matrix many times with few rows on the
/// left, such as a decoding step's weights: <see cref="ManagedGemm.SgemmPacked"/> then skips the per-call packing of B
/// and gives bit for bit the result of <see cref="ManagedGemm.Sgemm"/> on the same operands (outside AVX-512's
/// small-product path). A snapshot: it does not follow later changes of the matrix it was packed from.
/// </summary>
public sealed class PackedGemmB
{
    internal PackedGemmB(Tensor buffer, int offset, int k, int n, int nr, ManagedGemm owner)
    {
        Buffer = buffer; Offset = offset; K = k; N = n; Nr = nr; Owner = owner;
    }

    /// <summary>Rows of op(B): the inner dimension of the product.</summary>
    public int K { get; }

    /// <summary>Columns of op(B): the columns of the product.</summary>
    public int N { get; }

    /// <summary>The packed values (from <see cref="TensorPool"/>: the scope it was made in returns it to the pool).</summary>
    internal Tensor Buffer { get; }

    /// <summary>Where the panels start in <see cref="Buffer"/>'s array (chosen for 64-byte alignment when packed).</summary>
    internal int Offset { get; }

    /// <summary>The panel width (the micro-kernel's tile width).</summary>
    internal int Nr { get; }

    /// <summary>The GEMM whose layout the panels follow.</summary>
    internal ManagedGemm Owner { get; }
}
