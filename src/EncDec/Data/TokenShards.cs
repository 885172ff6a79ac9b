using System.Buffers.Binary;
using System.Collections;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

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

/// <summary>Several shards read as one list, in order (the train split of a preprocessed corpus).</summary>
public sealed class TokenShardSet : IReadOnlyList<Example>, IExampleLengths, IDisposable
{
    private readonly TokenShard[] _shards;
    private readonly int[] _firsts; // index of each shard's first example; _firsts[^1] = Count

    /// <summary>Wraps open shards (the set takes ownership and disposes them).</summary>
    public TokenShardSet(IReadOnlyList<TokenShard> shards)
    {
        _shards = shards.ToArray();
        _firsts = new int[_shards.Length + 1];
        long total = 0;
        for (int i = 0; i < _shards.Length; i++)
        {
            _firsts[i] = (int)total;
            total += _shards[i].Count;
            if (total > int.MaxValue) throw new UserInputException(_shards[i].Path, null, "too many examples in the shard set (more than 2^31)");
        }
        _firsts[^1] = (int)total;
    }

    /// <summary>The shards.</summary>
    public IReadOnlyList<TokenShard> Shards => _shards;
    /// <summary>Examples in all shards.</summary>
    public int Count => _firsts[^1];

    private (TokenShard Shard, int Local) Locate(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the set has {Count} examples");
        int s = Array.BinarySearch(_firsts, index);
        if (s < 0) s = ~s - 1;
        while (_shards[s].Count == 0 || index - _firsts[s] >= _shards[s].Count) s++; // skip empty shards at equal firsts
        return (_shards[s], index - _firsts[s]);
    }

    /// <inheritdoc/>
    public Example this[int index] { get { var (s, i) = Locate(index); return s[i]; } }
    /// <inheritdoc/>
    public int SrcLength(int index) { var (s, i) = Locate(index); return s.SrcLength(i); }
    /// <inheritdoc/>
    public int TgtLength(int index) { var (s, i) = Locate(index); return s.TgtLength(i); }

    /// <inheritdoc/>
    public IEnumerator<Example> GetEnumerator() { foreach (var s in _shards) foreach (var e in s) yield return e; }
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Unmaps every shard.</summary>
    public void Dispose() { foreach (var s in _shards) s.Dispose(); }
}

/// <summary>
/// Writes one shard by streaming: token ids go straight to a temporary file beside the target, the index stays in
/// memory (12 bytes per example), and <see cref="Commit"/> appends the index, fills in the header and renames the
/// file into place. Disposing without committing deletes the temporary file, so no half shard ever has the final name.
/// </summary>
public sealed class TokenShardWriter : IDisposable
{
    private readonly string _path, _tmp;
    private readonly FileStream _stream;
    private readonly BufferedStream _out;
    private readonly int _width, _srcVocab, _tgtVocab;
    private readonly List<long> _starts = [0];
    private readonly List<uint> _srcLens = [];
    private readonly byte[] _buf = new byte[4096];
    private long _tokens;
    private bool _done;

    /// <summary>Starts a shard at <paramref name="path"/> for vocabularies of these sizes.</summary>
    public TokenShardWriter(string path, int srcVocab, int tgtVocab)
    {
        if (srcVocab < 1 || tgtVocab < 1) throw new ArgumentOutOfRangeException(nameof(srcVocab), "vocabulary sizes must be positive");
        _path = System.IO.Path.GetFullPath(path);
        string dir = System.IO.Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(dir);
        _tmp = System.IO.Path.Combine(dir, "." + System.IO.Path.GetFileName(_path) + "." + Environment.ProcessId + ".tmp");
        _srcVocab = srcVocab; _tgtVocab = tgtVocab;
        _width = TokenShardFormat.TokenWidth(srcVocab, tgtVocab);
        _stream = new FileStream(_tmp, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        _out = new BufferedStream(_stream, 1 << 20);
        _out.Write(new byte[TokenShardFormat.HeaderBytes]); // filled in by Commit
    }

    /// <summary>The final path.</summary>
    public string Path => _path;
    /// <summary>Examples written so far.</summary>
    public int Count => _srcLens.Count;
    /// <summary>Token ids written so far (both sides).</summary>
    public long TokenCount => _tokens;

    /// <summary>Appends one example.</summary>
    public void Add(ReadOnlySpan<int> src, ReadOnlySpan<int> tgt)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (Count == int.MaxValue) throw new InvalidOperationException("a shard holds at most 2^31 - 1 examples");
        WriteIds(src, _srcVocab);
        WriteIds(tgt, _tgtVocab);
        _tokens += src.Length + tgt.Length;
        _starts.Add(_tokens);
        _srcLens.Add((uint)src.Length);
    }

    private void WriteIds(ReadOnlySpan<int> ids, int vocab)
    {
        int per = _buf.Length / _width;
        for (int i0 = 0; i0 < ids.Length; i0 += per)
        {
            var chunk = ids.Slice(i0, Math.Min(per, ids.Length - i0));
            foreach (int id in chunk)
                if ((uint)id >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id outside the vocabulary of {vocab}");
            if (_width == 2)
            {
                var dst = MemoryMarshal.Cast<byte, ushort>(_buf.AsSpan(0, chunk.Length * 2));
                for (int i = 0; i < chunk.Length; i++) dst[i] = (ushort)chunk[i];
            }
            else MemoryMarshal.AsBytes(chunk).CopyTo(_buf);
            _out.Write(_buf, 0, chunk.Length * _width);
        }
    }

    /// <summary>Writes the index and header, flushes to disk and renames the shard into place.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        long pad = TokenShardFormat.IndexOffset(_tokens, _width) - (TokenShardFormat.HeaderBytes + _tokens * _width);
        _out.Write(new byte[pad]);
        foreach (long s in _starts) { BinaryPrimitives.WriteInt64LittleEndian(_buf, s); _out.Write(_buf, 0, 8); }
        foreach (uint l in _srcLens) { BinaryPrimitives.WriteUInt32LittleEndian(_buf, l); _out.Write(_buf, 0, 4); }
        _out.Flush();
        Span<byte> h = stackalloc byte[TokenShardFormat.HeaderBytes];
        h.Clear();
        TokenShardFormat.Magic.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], TokenShardFormat.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], (uint)_width);
        BinaryPrimitives.WriteUInt64LittleEndian(h[16..], (ulong)Count);
        BinaryPrimitives.WriteUInt64LittleEndian(h[24..], (ulong)_tokens);
        BinaryPrimitives.WriteUInt32LittleEndian(h[32..], (uint)_srcVocab);
        BinaryPrimitives.WriteUInt32LittleEndian(h[36..], (uint)_tgtVocab);
        BinaryPrimitives.WriteUInt64LittleEndian(h[40..], (ulong)TokenShardFormat.IndexOffset(_tokens, _width));
        _stream.Position = 0;
        _stream.Write(h);
        _stream.Flush(flushToDisk: true);
        _done = true;
        _out.Dispose();
        File.Move(_tmp, _path, overwrite: true);
    }

    /// <summary>Deletes the temporary file unless <see cref="Commit"/> ran.</summary>
    public void Dispose()
    {
        if (_done) return;
        _done = true;
        try { _out.Dispose(); } catch (IOException) { /* the data is being thrown away */ }
        try { File.Delete(_tmp); } catch (IOException) { /* best effort */ }
    }
}
