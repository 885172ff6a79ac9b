namespace EncDec.Data;

/// <summary>
/// The binary token-shard format (version 1), little-endian. One file holds many examples:
/// <code>
///   offset 0   header, 64 bytes:
///              magic "ENCDSHRD" (8) | version u32 | token width u32 (2 = uint16, 4 = int32) | examples u64 |
///              tokens u64 (both sides) | source vocabulary u32 | target vocabulary u32 | index offset u64 | 16 zero bytes
///   offset 64  tokens: for each example its source ids then its target ids, <c>width</c> bytes each
///   index      (at the index offset = 64 + tokens·width rounded up to 8):
///              starts u64[examples + 1] (token position of each example, starts[examples] = tokens),
///              source lengths u32[examples] (the target length is the rest of the example's span)
/// </code>
/// The width is 2 when both vocabularies have at most 65,536 ids, else 4. The file is exactly as long as the header
/// says; opening checks the header, the length and every index entry, so a truncated or corrupt file is refused at once.
/// Token ids are checked against the vocabulary sizes when an example is read.
/// </summary>
public static class TokenShardFormat
{
    /// <summary>The 8 magic bytes that open every shard.</summary>
    public static ReadOnlySpan<byte> Magic => "ENCDSHRD"u8;
    /// <summary>The version this code writes and reads.</summary>
    public const int Version = 1;
    /// <summary>Header size in bytes.</summary>
    public const int HeaderBytes = 64;
    /// <summary>The file name extension of shards.</summary>
    public const string Extension = ".shard";

    /// <summary>Bytes per token id for vocabularies of these sizes: 2 (uint16) when every id fits, else 4 (int32).</summary>
    public static int TokenWidth(int srcVocab, int tgtVocab) => Math.Max(srcVocab, tgtVocab) <= 1 << 16 ? 2 : 4;

    internal static long IndexOffset(long tokens, int width) => (HeaderBytes + tokens * width + 7) & ~7L;

    internal static long FileLength(long examples, long tokens, int width) => IndexOffset(tokens, width) + 8 * (examples + 1) + 4 * examples;
}
