using System.Buffers.Binary;
using System.Collections;
using System.IO.MemoryMappedFiles;

namespace EncDec.Data;

/// <summary>
/// One shard file, memory-mapped read-only: examples are decoded on demand, lengths come from the index, so the
/// process holds only the pages it touches (and the OS may drop them again).
/// </summary>
public sealed unsafe class TokenShard : IReadOnlyList<Example>, IExampleLengths, IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;
    private readonly long* _starts;
    private readonly uint* _srcLens;
    private readonly int _width;
    private readonly PageRelease _release;

    /// <summary>The shard file.</summary>
    public string Path { get; }
    /// <summary>Examples in the shard.</summary>
    public int Count { get; }
    /// <summary>Token ids of both sides.</summary>
    public long TokenCount { get; }
    /// <summary>Source vocabulary size recorded in the header.</summary>
    public int SrcVocabSize { get; }
    /// <summary>Target vocabulary size recorded in the header.</summary>
    public int TgtVocabSize { get; }
    /// <summary>Bytes per token id (2 or 4).</summary>
    public int TokenWidth => _width;

    private TokenShard(string path, MemoryMappedFile file, MemoryMappedViewAccessor view, byte* basePtr, int count, long tokens,
                       int width, int srcVocab, int tgtVocab)
    {
        Path = path; _file = file; _view = view; _base = basePtr; Count = count; TokenCount = tokens; _width = width;
        SrcVocabSize = srcVocab; TgtVocabSize = tgtVocab;
        long index = TokenShardFormat.IndexOffset(tokens, width);
        _starts = (long*)(basePtr + index);
        _srcLens = (uint*)(basePtr + index + 8 * ((long)count + 1));
        _release = new PageRelease(basePtr, index);
    }

    /// <summary>Opens and validates a shard. Any problem is a one-line <see cref="UserInputException"/> naming the file.</summary>
    public static TokenShard Open(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("token shards need a little-endian machine");
        if (!File.Exists(path)) throw new UserInputException(path, null, "token shard not found");
        long length;
        Span<byte> header = stackalloc byte[TokenShardFormat.HeaderBytes];
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            length = fs.Length;
            if (length < TokenShardFormat.HeaderBytes) throw Bad(path, $"truncated: {length} bytes, shorter than the {TokenShardFormat.HeaderBytes}-byte header");
            fs.ReadExactly(header);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException(path, null, $"cannot read token shard: {e.Message}");
        }
        if (!header[..8].SequenceEqual(TokenShardFormat.Magic)) throw Bad(path, "not an encdec token shard (bad magic bytes)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (version != TokenShardFormat.Version) throw Bad(path, $"unsupported token shard version {version} (this build reads version {TokenShardFormat.Version})");
        uint width = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
        ulong examples = BinaryPrimitives.ReadUInt64LittleEndian(header[16..]);
        ulong tokens = BinaryPrimitives.ReadUInt64LittleEndian(header[24..]);
        uint srcVocab = BinaryPrimitives.ReadUInt32LittleEndian(header[32..]);
        uint tgtVocab = BinaryPrimitives.ReadUInt32LittleEndian(header[36..]);
        ulong indexOffset = BinaryPrimitives.ReadUInt64LittleEndian(header[40..]);
        if (width is not (2 or 4)) throw Bad(path, $"corrupt header: token width {width} (expected 2 or 4)");
        if (examples > int.MaxValue || tokens > long.MaxValue / 8 || srcVocab is 0 or > int.MaxValue || tgtVocab is 0 or > int.MaxValue)
            throw Bad(path, "corrupt header: counts out of range");
        if (width == 2 && Math.Max(srcVocab, tgtVocab) > 1 << 16) throw Bad(path, "corrupt header: vocabulary too large for 16-bit ids");
        if (!header[48..].SequenceEqual(new byte[16])) throw Bad(path, "corrupt header: reserved bytes are not zero");
        if (indexOffset != (ulong)TokenShardFormat.IndexOffset((long)tokens, (int)width)) throw Bad(path, "corrupt header: wrong index offset");
        long expected = TokenShardFormat.FileLength((long)examples, (long)tokens, (int)width);
        if (length < expected) throw Bad(path, $"truncated: {length} bytes, the header promises {expected}");
        if (length > expected) throw Bad(path, $"corrupt: {length} bytes, the header promises {expected}");

        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        byte* p = null;
        try
        {
            file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            p += view.PointerOffset;
            var shard = new TokenShard(path, file, view, p, (int)examples, (long)tokens, (int)width, (int)srcVocab, (int)tgtVocab);
            shard.ValidateIndex();
            return shard;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Release(view, p);
            view?.Dispose(); file?.Dispose();
            throw new UserInputException(path, null, $"cannot map token shard: {e.Message}");
        }
        catch
        {
            Release(view, p);
            view?.Dispose(); file?.Dispose();
            throw;
        }
    }

    private static void Release(MemoryMappedViewAccessor? view, byte* p)
    {
        if (view is not null && p != null) view.SafeMemoryMappedViewHandle.ReleasePointer();
    }

    private static UserInputException Bad(string path, string message) => new(path, null, message);

    /// <summary>Every example's span lies inside the token region and in order; lengths fit an int.</summary>
    private void ValidateIndex()
    {
        if (_starts[0] != 0) throw Bad(Path, "corrupt index: the first example does not start at token 0");
        for (int i = 0; i < Count; i++)
        {
            long a = _starts[i], b = _starts[i + 1];
            if (b < a || b > TokenCount || b - a > int.MaxValue || _srcLens[i] > (ulong)(b - a))
                throw Bad(Path, $"corrupt index: example {i} is out of range");
        }
        if (_starts[Count] != TokenCount) throw Bad(Path, "corrupt index: the examples do not cover the token region");
    }

    /// <inheritdoc/>
    public int SrcLength(int index) { Check(index); return (int)_srcLens[index]; }

    /// <inheritdoc/>
    public int TgtLength(int index) { Check(index); return (int)(_starts[index + 1] - _starts[index] - _srcLens[index]); }

    /// <summary>Example <paramref name="index"/>, decoded from the mapped file.</summary>
    public Example this[int index]
    {
        get
        {
            Check(index);
            long start = _starts[index];
            int total = (int)(_starts[index + 1] - start), ns = (int)_srcLens[index];
            var src = new int[ns];
            var tgt = new int[total - ns];
            Read(start, src, SrcVocabSize);
            Read(start + ns, tgt, TgtVocabSize);
            _release.Touched();
            return new Example(src, tgt);
        }
    }

    private void Read(long start, int[] dest, int vocab)
    {
        byte* p = _base + TokenShardFormat.HeaderBytes + start * _width;
        if (_width == 2)
        {
            var ids = new ReadOnlySpan<ushort>(p, dest.Length);
            for (int i = 0; i < ids.Length; i++) dest[i] = ids[i];
        }
        else new ReadOnlySpan<int>(p, dest.Length).CopyTo(dest);
        foreach (int id in dest)
            if ((uint)id >= (uint)vocab) throw Bad(Path, $"corrupt tokens: id {id} outside the vocabulary of {vocab}");
    }

    private void Check(int index)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"shard has {Count} examples");
    }

    /// <inheritdoc/>
    public IEnumerator<Example> GetEnumerator() { for (int i = 0; i < Count; i++) yield return this[i]; }
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Unmaps the file.</summary>
    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}

/// <summary>
/// Keeps the mapped token pages of a shard from piling up in the process: training reads examples at random, and every
/// page it touches stays mapped (counted in the resident set) until unmapped, so a long run would end up with the whole
/// file resident (with large page-cache folios one read can map tens of kilobytes). On Linux the token region is advised
/// random access (no read-ahead of unrelated pages) and, every <see cref="ReleaseEvery"/> examples (about one batch), its
/// pages are dropped from the mapping (<c>MADV_DONTNEED</c>: for a read-only
/// file mapping this only unmaps them; they stay in the page cache and a later read faults them back in cheaply).
/// The index is left alone: batch planning reads all of it.
/// </summary>
internal sealed unsafe class PageRelease
{
    public const int ReleaseEvery = 128;
    private const int MadvRandom = 1, MadvDontNeed = 4;
    private readonly byte* _start;
    private readonly nuint _length;
    private int _reads;

    public PageRelease(byte* mapping, long tokenRegionEnd)
    {
        _start = mapping;                                            // the mapping starts on a page boundary
        _length = (nuint)(tokenRegionEnd & ~(Environment.SystemPageSize - 1L));
        if (Enabled) Advise(MadvRandom);
    }

    private bool Enabled => OperatingSystem.IsLinux() && _length > 0;

    /// <summary>Counts one example read; drops the token pages every <see cref="ReleaseEvery"/> reads.</summary>
    public void Touched()
    {
        if (!Enabled || Interlocked.Increment(ref _reads) % ReleaseEvery != 0) return;
        Advise(MadvDontNeed);
    }

    private void Advise(int advice)
    {
        try { _ = madvise(_start, _length, advice); }                // advice only: a failure changes nothing but memory use
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "madvise")]
    private static extern int madvise(void* addr, nuint length, int advice);
}
