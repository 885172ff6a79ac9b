using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using EncDec.Tensors;

namespace EncDec.IO;

/// <summary>
/// Reader/writer for the safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// (<c>{"__metadata__": {..}, "name": {"dtype", "shape", "data_offsets"}, ..}</c>, padded with spaces to a
/// multiple of 8), then the raw little-endian data. EncDec writes <c>__metadata__</c> first, then the tensors in
/// ordinal name order, laid out in that order without gaps.
/// </summary>
public static class SafeTensors
{
    /// <summary>Largest header accepted when loading (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;
    public const string MetadataKey = "__metadata__";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void CheckEndianness()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors I/O needs a little-endian machine");
    }

    // ------------------------------------------------------------------ writing

    /// <summary>Writes <paramref name="tensors"/> (as F32) and optional string metadata to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null,
                            IReadOnlyDictionary<string, Int8Tensor>? int8 = null)
        => AtomicFile.Write(path, s => Write(s, tensors, metadata, int8));

    /// <summary>Writes the safetensors bytes to <paramref name="stream"/>: the float tensors as F32, <paramref name="int8"/> as I8.</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null,
                             IReadOnlyDictionary<string, Int8Tensor>? int8 = null)
    {
        CheckEndianness();
        int8 ??= new Dictionary<string, Int8Tensor>();
        var names = tensors.Keys.Concat(int8.Keys).OrderBy(k => k, StringComparer.Ordinal).ToArray();
        foreach (var n in names)
            if (n.Length == 0 || n == MetadataKey) throw new ArgumentException($"invalid tensor name '{n}'");
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length) throw new ArgumentException("a tensor name is both a float and an int8 tensor");
        byte[] header = BuildHeader(names, tensors, int8, metadata);
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
        stream.Write(len);
        stream.Write(header);
        foreach (var n in names)
        {
            if (int8.TryGetValue(n, out var q)) { stream.Write(MemoryMarshal.AsBytes(q.Data.AsSpan())); continue; }
            var t = tensors[n];
            if (t.Numel == 0) continue;
            var span = t.IsContiguous ? t.Span : t.ToArray();
            stream.Write(MemoryMarshal.AsBytes(span));
        }
    }

    private static byte[] BuildHeader(string[] names, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, Int8Tensor> int8,
                                      IReadOnlyDictionary<string, string>? metadata)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, WriterOptions))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var n in names)
            {
                bool isInt8 = int8.TryGetValue(n, out var q);
                int[] shape = isInt8 ? q!.Shape : tensors[n].Shape;
                long bytes = isInt8 ? q!.Data.Length : 4L * tensors[n].Numel;
                w.WriteStartObject(n);
                w.WriteString("dtype", isInt8 ? "I8" : "F32");
                w.WriteStartArray("shape");
                foreach (var d in shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        int len = (int)ms.Length, padded = (len + 7) / 8 * 8;
        var h = new byte[padded];
        ms.GetBuffer().AsSpan(0, len).CopyTo(h);
        h.AsSpan(len).Fill((byte)' ');
        return h;
    }

    // ------------------------------------------------------------------ reading

    /// <summary>Reads and validates the header of <paramref name="path"/>; throws <see cref="UserInputException"/> naming the file.</summary>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var fs = Open(path);
        return ReadHeader(fs, path);
    }

    /// <summary>Loads every tensor (converted to float32, persistent) and the metadata.</summary>
    public static (IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Load(string path)
    {
        using var fs = Open(path);
        return Load(fs, path);
    }

    /// <summary>Loads every tensor and the metadata from a seekable <paramref name="stream"/>; <paramref name="name"/> names it in errors.</summary>
    public static (IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Load(Stream stream, string name)
    {
        var header = ReadHeader(stream, name);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (TensorScope.Suspend())
        {
            foreach (var info in header.Tensors) // sorted by offset, contiguous
            {
                var t = Tensor.Empty(info.Shape);
                var dst = t.Span;
                if (info.DType == SafeTensorsDType.F32) ReadExactly(stream, MemoryMarshal.AsBytes(dst), name, info);
                else
                {
                    var raw = new byte[info.End - info.Begin];
                    ReadExactly(stream, raw, name, info);
                    ConvertToFloat(info.DType, raw, dst);
                }
                result[info.Name] = t;
            }
        }
        return (result, header.Metadata);
    }

    /// <summary>Loads the integer (I32/I64) tensors as <see cref="IndexTensor"/>s; other entries are skipped.</summary>
    public static IReadOnlyDictionary<string, IndexTensor> LoadIndexTensors(string path)
    {
        using var fs = Open(path);
        return LoadIndexTensors(fs, path);
    }

    /// <summary>Loads the integer tensors of a seekable <paramref name="stream"/>; <paramref name="name"/> names it in errors.</summary>
    public static IReadOnlyDictionary<string, IndexTensor> LoadIndexTensors(Stream stream, string name)
    {
        var header = ReadHeader(stream, name);
        var result = new Dictionary<string, IndexTensor>(StringComparer.Ordinal);
        foreach (var info in header.Tensors)
        {
            var raw = new byte[info.End - info.Begin];
            ReadExactly(stream, raw, name, info);
            if (info.DType == SafeTensorsDType.I32)
                result[info.Name] = new IndexTensor(MemoryMarshal.Cast<byte, int>(raw).ToArray(), ShapeOrScalar(info.Shape));
            else if (info.DType == SafeTensorsDType.I64)
            {
                var src = MemoryMarshal.Cast<byte, long>(raw);
                var data = new int[src.Length];
                for (int i = 0; i < data.Length; i++)
                {
                    if (src[i] < int.MinValue || src[i] > int.MaxValue)
                        throw new UserInputException(name, null, $"tensor '{info.Name}': value {src[i]} does not fit in int32");
                    data[i] = (int)src[i];
                }
                result[info.Name] = new IndexTensor(data, ShapeOrScalar(info.Shape));
            }
        }
        return result;
    }

    // IndexTensor treats an empty shape as 1-D; a 0-d integer tensor becomes shape (1).
    private static int[] ShapeOrScalar(int[] shape) => shape.Length == 0 ? new[] { 1 } : shape;

    /// <summary>Largest non-seekable input (a pipe, /dev/stdin) read into memory: 2 GB.</summary>
    public const long MaxPipedBytes = int.MaxValue;

    private static Stream Open(string path)
    {
        CheckEndianness();
        if (Directory.Exists(path)) throw new UserInputException(path, null, "is a folder, not a safetensors file");
        if (!File.Exists(path)) throw new UserInputException(path, null, "safetensors file not found");
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException(path, null, $"cannot open safetensors file: {e.Message}");
        }
        if (fs.CanSeek) return fs;
        // A pipe or a terminal (<(cat model), /dev/stdin): the reader needs the length, so read it all.
        using (fs)
        {
            var ms = new MemoryStream();
            try
            {
                var buf = new byte[1 << 16];
                int n;
                while ((n = fs.Read(buf, 0, buf.Length)) > 0)
                {
                    if (ms.Length + n > MaxPipedBytes)
                        throw new UserInputException(path, null, $"a piped safetensors file over {MaxPipedBytes} bytes needs a seekable file");
                    ms.Write(buf, 0, n);
                }
            }
            catch (IOException e) { throw new UserInputException(path, null, $"cannot read safetensors file: {e.Message}"); }
            ms.Position = 0;
            return ms;
        }
    }

    private static void ReadExactly(Stream s, Span<byte> dst, string path, SafeTensorInfo info)
    {
        try { s.ReadExactly(dst); }
        catch (EndOfStreamException) { throw new UserInputException(path, null, $"truncated data in tensor '{info.Name}'"); }
        catch (IOException e) { throw new UserInputException(path, null, $"read error in tensor '{info.Name}': {e.Message}"); }
    }

    private static int DTypeSize(SafeTensorsDType d) => d switch
    {
        SafeTensorsDType.F32 or SafeTensorsDType.I32 => 4,
        SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.I8 => 1,
        _ => 8,
    };

    private static void ConvertToFloat(SafeTensorsDType dtype, byte[] raw, Span<float> dst)
    {
        switch (dtype)
        {
            case SafeTensorsDType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(raw), dst);
                break;
            case SafeTensorsDType.BF16:
                {
                    var src = MemoryMarshal.Cast<byte, ushort>(raw);
                    for (int i = 0; i < dst.Length; i++) dst[i] = BitConverter.Int32BitsToSingle(src[i] << 16);
                    break;
                }
            case SafeTensorsDType.F64:
                {
                    var src = MemoryMarshal.Cast<byte, double>(raw);
                    for (int i = 0; i < dst.Length; i++) dst[i] = (float)src[i];
                    break;
                }
            case SafeTensorsDType.I64:
                {
                    var src = MemoryMarshal.Cast<byte, long>(raw);
                    for (int i = 0; i < dst.Length; i++) dst[i] = src[i];
                    break;
                }
            case SafeTensorsDType.I32:
                {
                    var src = MemoryMarshal.Cast<byte, int>(raw);
                    for (int i = 0; i < dst.Length; i++) dst[i] = src[i];
                    break;
                }
            case SafeTensorsDType.I8:
                {
                    var src = MemoryMarshal.Cast<byte, sbyte>(raw);
                    for (int i = 0; i < dst.Length; i++) dst[i] = src[i];
                    break;
                }
            default:
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(dst);
                break;
        }
    }

    /// <summary>Most dimensions a tensor may have.</summary>
    public const int MaxRank = 32;

    /// <summary>Reads and validates the header at the start of a seekable <paramref name="fs"/>; <paramref name="path"/> names it in errors.</summary>
    public static SafeTensorsHeader ReadHeader(Stream fs, string path)
    {
        UserInputException Bad(string msg) => new(path, null, msg);
        if (!fs.CanSeek) throw Bad("needs a seekable file (a regular file, not a pipe)");
        long fileLen = fs.Length - fs.Position;
        if (fileLen < 8) throw Bad($"not a safetensors file: {fileLen} bytes, shorter than the 8-byte header length");
        Span<byte> lenBytes = stackalloc byte[8];
        fs.ReadExactly(lenBytes);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (n > (ulong)MaxHeaderBytes) throw Bad($"header length {n} exceeds the {MaxHeaderBytes}-byte limit (corrupt or not a safetensors file)");
        if ((long)n > fileLen - 8) throw Bad($"header length {n} is larger than the rest of the file ({fileLen - 8} bytes)");
        if (n < 2) throw Bad($"header length {n} is too short for a JSON object");
        var headerBytes = new byte[n];
        fs.ReadExactly(headerBytes);
        long dataStart = 8 + (long)n, dataLen = fileLen - dataStart;

        JsonDocument doc;
        try { doc = JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException e)
        {
            string where = e.BytePositionInLine is { } b && e.LineNumber is { } l
                ? $" (header line {l + 1}, byte {b + 1})" : "";
            throw Bad($"malformed JSON header{where}: {FirstSentence(e.Message)}");
        }
        using var _ = doc;
        try
        {
            return ParseHeader(doc.RootElement, (long)n, dataStart, dataLen, Bad);
        }
        catch (InvalidOperationException)
        {
            // JsonElement.GetString / JsonProperty.Name: a lone UTF-16 surrogate escape or invalid UTF-8 inside a string
            throw Bad("malformed header: a string is not valid Unicode (invalid UTF-8 or a lone UTF-16 surrogate escape such as \\ud800)");
        }
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).ReplaceLineEndings(" ").Trim();
    }

    private static SafeTensorsHeader ParseHeader(JsonElement root, long n, long dataStart, long dataLen, Func<string, UserInputException> Bad)
    {
        if (root.ValueKind != JsonValueKind.Object) throw Bad("malformed header: the JSON header is not an object");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var infos = new List<SafeTensorInfo>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var prop in root.EnumerateObject())
        {
            if (!seen.Add(prop.Name)) throw Bad($"malformed header: duplicate key '{prop.Name}'");
            if (prop.Name == MetadataKey)
            {
                if (prop.Value.ValueKind != JsonValueKind.Object) throw Bad("malformed header: __metadata__ is not an object");
                foreach (var m in prop.Value.EnumerateObject())
                {
                    if (m.Value.ValueKind != JsonValueKind.String) throw Bad($"malformed header: metadata value '{m.Name}' is not a string");
                    if (!metadata.TryAdd(m.Name, m.Value.GetString()!)) throw Bad($"malformed header: duplicate metadata key '{m.Name}'");
                }
                continue;
            }
            infos.Add(ParseEntry(prop, Bad));
        }

        infos.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (var info in infos)
        {
            if (info.End > dataLen)
                throw Bad(info.Begin <= dataLen && info.End - info.Begin <= dataLen
                    ? $"truncated data: tensor '{info.Name}' needs bytes [{info.Begin}, {info.End}) but the data buffer has {dataLen} bytes"
                    : $"tensor '{info.Name}' data_offsets [{info.Begin}, {info.End}] are out of range (data buffer has {dataLen} bytes)");
            if (info.Begin < expected) throw Bad($"tensor '{info.Name}' data_offsets [{info.Begin}, {info.End}] overlap the previous tensor (which ends at {expected})");
            if (info.Begin > expected) throw Bad($"hole in the data buffer: bytes [{expected}, {info.Begin}) before tensor '{info.Name}' belong to no tensor");
            expected = info.End;
        }
        if (expected != dataLen) throw Bad($"the data buffer has {dataLen} bytes but the tensors cover {expected}");
        return new SafeTensorsHeader(infos, metadata, n, dataStart);
    }

    private static SafeTensorInfo ParseEntry(JsonProperty prop, Func<string, UserInputException> bad)
    {
        string name = prop.Name;
        var e = prop.Value;
        if (e.ValueKind != JsonValueKind.Object) throw bad($"malformed header: entry '{name}' is not an object");
        if (!e.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw bad($"malformed header: tensor '{name}' has no dtype string");
        if (!e.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array) throw bad($"malformed header: tensor '{name}' has no shape array");
        if (!e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw bad($"malformed header: tensor '{name}' needs data_offsets [begin, end]");
        string dts = dt.GetString()!;
        SafeTensorsDType dtype = dts switch
        {
            "F32" => SafeTensorsDType.F32, "F16" => SafeTensorsDType.F16, "BF16" => SafeTensorsDType.BF16,
            "F64" => SafeTensorsDType.F64, "I64" => SafeTensorsDType.I64, "I32" => SafeTensorsDType.I32, "I8" => SafeTensorsDType.I8,
            _ => throw bad($"tensor '{name}' has unsupported dtype '{dts}' (supported: F32, F16, BF16, F64, I64, I32, I8)"),
        };
        if (sh.GetArrayLength() > MaxRank) throw bad($"tensor '{name}' has {sh.GetArrayLength()} dimensions (at most {MaxRank})");
        var shape = new int[sh.GetArrayLength()];
        long numel = 1, strideSpan = 1;
        int i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int v) || v < 0) throw bad($"malformed header: tensor '{name}' has an invalid shape {sh.GetRawText()}");
            shape[i++] = v;
            numel *= v;
            strideSpan *= Math.Max(v, 1); // strides multiply the non-zero sizes even when a zero makes the tensor empty
            if (numel > int.MaxValue || strideSpan > int.MaxValue) throw bad($"tensor '{name}' with shape {sh.GetRawText()} is too large");
        }
        long[] o = new long[2];
        i = 0;
        foreach (var d in off.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long v) || v < 0) throw bad($"malformed header: tensor '{name}' has invalid data_offsets {off.GetRawText()}");
            o[i++] = v;
        }
        if (o[1] < o[0]) throw bad($"tensor '{name}' data_offsets [{o[0]}, {o[1]}] are out of range (end before begin)");
        long bytes = numel * DTypeSize(dtype);
        if (o[1] - o[0] != bytes)
            throw bad($"tensor '{name}': data_offsets [{o[0]}, {o[1]}] span {o[1] - o[0]} bytes but shape {sh.GetRawText()} of {dts} needs {bytes}");
        return new SafeTensorInfo(name, dtype, shape, o[0], o[1]);
    }
}
