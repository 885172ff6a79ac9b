using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using EncDec.IO;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.IO;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "encdec-st-" + Guid.NewGuid().ToString("N"));

    public SafeTensorsTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static Tensor T(float[] v, params int[] shape) { using (TensorScope.Suspend()) return Tensor.FromArray(v, shape); }

    private static Dictionary<string, Tensor> Sample() => new()
    {
        ["encoder.layers.0.self_attn.q_proj.weight"] = T(new float[] { 1, -2, 3.5f, 4, 5, 6 }, 2, 3),
        ["scalar"] = T(new float[] { 42.25f }, Array.Empty<int>()),
        ["empty"] = T(Array.Empty<float>(), 0, 4),
        ["bias"] = T(new float[] { float.MinValue, float.Epsilon, -0f }, 3),
    };

    [Fact]
    public void RoundTripShapesValuesAndMetadata()
    {
        var path = PathOf("rt.safetensors");
        var meta = new Dictionary<string, string> { ["config"] = "{\"d_model\": 512, \"name\": \"ünï\"}", ["empty"] = "" };
        SafeTensors.Save(path, Sample(), meta);
        var (tensors, metadata) = SafeTensors.Load(path);
        Assert.Equal(Sample().Keys.Order(), tensors.Keys.Order());
        foreach (var (k, t) in Sample())
        {
            Assert.Equal(t.Shape, tensors[k].Shape);
            Assert.Equal(t.ToArray(), tensors[k].ToArray());
        }
        Assert.Equal(meta, metadata);
        // Loaded tensors are persistent: they survive a scope.
        using (TensorScope.Begin()) { }
        Assert.Equal(42.25f, tensors["scalar"].Item());
    }

    [Fact]
    public void NonContiguousTensorIsWrittenInLogicalOrder()
    {
        var path = PathOf("nc.safetensors");
        var t = T(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3).Transpose(0, 1);
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["t"] = t });
        var (tensors, _) = SafeTensors.Load(path);
        Assert.Equal(new[] { 3, 2 }, tensors["t"].Shape);
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, tensors["t"].ToArray());
    }

    [Fact]
    public void HeaderIsByteExact()
    {
        var path = PathOf("h.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["b"] = T(new float[] { 1, 2 }, 2), ["a"] = T(new float[] { 3 }, Array.Empty<int>()) },
            new Dictionary<string, string> { ["z"] = "1", ["k"] = "v\"q" });
        var bytes = File.ReadAllBytes(path);
        const string json = "{\"__metadata__\":{\"k\":\"v\\\"q\",\"z\":\"1\"},\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        int padded = (json.Length + 7) / 8 * 8;
        Assert.Equal((ulong)padded, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(0, padded % 8);
        Assert.Equal(json + new string(' ', padded - json.Length), Encoding.UTF8.GetString(bytes, 8, padded));
        Assert.Equal(8 + padded + 12, bytes.Length);
        Assert.Equal(new byte[] { 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x3F, 0, 0, 0, 0x40 }, bytes[(8 + padded)..]); // 3f, 1f, 2f
        var header = SafeTensors.ReadHeader(path);
        Assert.Equal(new[] { "a", "b" }, header.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void ReadsFileWrittenByPython()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "from_python.safetensors");
        var (t, meta) = SafeTensors.Load(path);
        Assert.Equal("make_optim_fixtures.py", meta["source"]);
        Assert.Equal("ünïcode \"quoted\"", meta["note"]);
        Assert.Equal(new float[] { 0.5f, -1.25f, 3f, 1e-3f, -7.5f, 100f }, t["f32"].ToArray());
        Assert.Equal(new[] { 2, 3 }, t["f32"].Shape);
        Assert.Equal(new float[] { 0.5f, -2f, 65504f }, t["f16"].ToArray());
        Assert.Equal(new float[] { 1f, -0.5f, 256f, 3.140625f }, t["bf16"].ToArray());
        Assert.Empty(t["f64.scalar"].Shape);
        Assert.Equal((float)Math.E, t["f64.scalar"].Item());
        Assert.Equal(new float[] { 0, -3, 42, 1 << 20 }, t["i64"].ToArray());
        Assert.Equal(new float[] { 1, 2, -3, 4 }, t["i32"].ToArray());
        Assert.Equal(new[] { 0, 3 }, t["empty"].Shape);
        var idx = SafeTensors.LoadIndexTensors(path);
        Assert.Equal(new[] { "i32", "i64" }, idx.Keys.Order());
        Assert.Equal(new[] { 0, -3, 42, 1 << 20 }, idx["i64"].Data);
        Assert.Equal(new[] { 2, 2 }, idx["i32"].Shape);
        var header = SafeTensors.ReadHeader(path);
        Assert.Equal(SafeTensorsDType.BF16, header.Tensors.Single(x => x.Name == "bf16").DType);
    }

    /// <summary>EncDec → Python: the fixture script's strict reader validates and dumps a file we wrote (skipped without python3).</summary>
    [Fact]
    public void PythonReaderAcceptsEncDecFile()
    {
        const string python = "/usr/bin/python3";
        var script = Path.Combine(AppContext.BaseDirectory, "fixtures", "make_optim_fixtures.py");
        if (!File.Exists(python) || !File.Exists(script)) return;
        var path = PathOf("for_python.safetensors");
        SafeTensors.Save(path, Sample(), new Dictionary<string, string> { ["who"] = "EncDec" });
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script); psi.ArgumentList.Add("--check-encdec"); psi.ArgumentList.Add(path);
        using var proc = Process.Start(psi)!;
        string stdout = proc.StandardOutput.ReadToEnd(), stderr = proc.StandardError.ReadToEnd();
        proc.WaitForExit();
        Assert.True(proc.ExitCode == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("EncDec", doc.RootElement.GetProperty("metadata").GetProperty("who").GetString());
        var ts = doc.RootElement.GetProperty("tensors");
        foreach (var (k, t) in Sample())
        {
            var e = ts.GetProperty(k);
            Assert.Equal("F32", e.GetProperty("dtype").GetString());
            Assert.Equal(t.Shape, e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray());
            Assert.Equal(t.ToArray(), e.GetProperty("data").EnumerateArray().Select(x => (float)x.GetDouble()).ToArray());
        }
    }

    // ------------------------------------------------------------------ rejections

    private string Craft(string name, string header, byte[]? data = null, ulong? declaredLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var path = PathOf(name);
        using var fs = File.Create(path);
        var len = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, declaredLength ?? (ulong)h.Length);
        fs.Write(len); fs.Write(h);
        if (data is not null) fs.Write(data);
        return path;
    }

    private static void Rejects(string path, string fragment)
    {
        var e = Assert.Throws<UserInputException>(() => SafeTensors.Load(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message);
        Assert.Contains(fragment, e.Message);
    }

    private static string Entry(string name, string dtype, string shape, long b, long e) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{b},{e}]}}";

    [Fact] public void RejectsMissingFile() => Rejects(PathOf("nope.safetensors"), "not found");

    [Fact]
    public void RejectsShortFile()
    {
        var p = PathOf("short.safetensors");
        File.WriteAllBytes(p, new byte[] { 1, 2, 3 });
        Rejects(p, "shorter than the 8-byte");
    }

    [Fact] public void RejectsHeaderLongerThanFile() => Rejects(Craft("long.safetensors", "{}", declaredLength: 1000), "larger than the rest of the file");

    [Fact] public void RejectsHugeHeader() => Rejects(Craft("huge.safetensors", "{}", declaredLength: 200_000_000), "exceeds");

    [Fact] public void RejectsMalformedJson() => Rejects(Craft("json.safetensors", "{\"a\": {\"dtype\": "), "malformed JSON header");

    [Fact] public void RejectsNonObjectHeader() => Rejects(Craft("arr.safetensors", "[1,2]   "), "not an object");

    [Fact] public void RejectsDuplicateKeys() => Rejects(Craft("dup.safetensors", "{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("a", "F32", "[1]", 4, 8) + "}", new byte[8]), "duplicate key 'a'");

    [Fact] public void RejectsUnknownDtype() => Rejects(Craft("dtype.safetensors", "{" + Entry("a", "U8", "[4]", 0, 4) + "}", new byte[4]), "unsupported dtype 'U8'");

    [Fact] public void RejectsNonStringMetadata() => Rejects(Craft("meta.safetensors", "{\"__metadata__\":{\"a\":1}}"), "metadata value 'a' is not a string");

    [Fact] public void RejectsShapeOffsetMismatch() => Rejects(Craft("mismatch.safetensors", "{" + Entry("a", "F32", "[3]", 0, 8) + "}", new byte[8]), "needs 12");

    [Fact] public void RejectsNegativeShape() => Rejects(Craft("negshape.safetensors", "{" + Entry("a", "F32", "[-1]", 0, 0) + "}"), "invalid shape");

    [Fact] public void RejectsReversedOffsets() => Rejects(Craft("rev.safetensors", "{" + Entry("a", "F32", "[1]", 8, 4) + "}", new byte[8]), "out of range");

    [Fact] public void RejectsOffsetsOutOfRange() => Rejects(Craft("range.safetensors", "{" + Entry("a", "F32", "[1]", 100, 104) + "}", new byte[4]), "out of range");

    [Fact]
    public void RejectsOverlap() => Rejects(Craft("overlap.safetensors",
        "{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F32", "[2]", 4, 12) + "}", new byte[12]), "overlap");

    [Fact]
    public void RejectsHole() => Rejects(Craft("hole.safetensors",
        "{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("b", "F32", "[1]", 8, 12) + "}", new byte[12]), "hole");

    [Fact]
    public void RejectsHoleAtStart() => Rejects(Craft("hole0.safetensors", "{" + Entry("a", "F32", "[1]", 4, 8) + "}", new byte[8]), "hole");

    [Fact]
    public void RejectsTrailingBytes() => Rejects(Craft("trail.safetensors", "{" + Entry("a", "F32", "[1]", 0, 4) + "}", new byte[6]), "cover 4");

    [Fact]
    public void RejectsTruncatedData()
    {
        var path = PathOf("trunc.safetensors");
        SafeTensors.Save(path, Sample());
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        Rejects(path, "truncated data");
    }

    [Fact]
    public void SaveIsAtomicOnFailure()
    {
        var path = PathOf("atomic.safetensors");
        SafeTensors.Save(path, Sample());
        var before = File.ReadAllBytes(path);
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["__metadata__"] = T(new float[] { 1 }) }));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
    }
}
