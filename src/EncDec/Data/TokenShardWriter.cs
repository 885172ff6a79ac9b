using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace EncDec.Data;

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
