namespace EncDec.Tensors;

/// <summary>The instruction set an <see cref="Int8Gemm"/> product runs on.</summary>
public enum Int8GemmPath { Portable, Avx2, AvxVnni }
