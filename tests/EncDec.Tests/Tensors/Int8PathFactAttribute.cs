using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Tensors;

/// <summary>A fact on one int8 GEMM path: skipped, visibly and with the reason, where this CPU lacks the path.</summary>
public sealed class Int8PathFactAttribute : FactAttribute
{
    public Int8PathFactAttribute(Int8GemmPath path, bool packed = false)
    {
        bool ok = packed ? Int8Gemm.IsPackedSupported(path) : Int8Gemm.IsSupported(path);
        if (!ok) Skip = $"{(packed ? "packed " : "")}int8 path {path} is not supported on this CPU";
    }
}
