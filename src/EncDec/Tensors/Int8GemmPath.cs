using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EncDec.Tensors;

/// <summary>The instruction set an <see cref="Int8Gemm"/> product runs on.</summary>
public enum Int8GemmPath { Portable, Avx2, AvxVnni }
