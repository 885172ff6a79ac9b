using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using EncDec.IO;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.IO;

/// <summary>Hostile safetensors files: each is refused with one line naming the file, never another exception.</summary>
public sealed class SafeTensorsHostileTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private static byte[] File(string header, byte[]? data = null, ulong? declared = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var len = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, declared ?? (ulong)h.Length);
        return [.. len, .. h, .. data ?? []];
    }

    private string Rejects(byte[] bytes, string fragment)
    {
        var path = _dir.WriteBytes("bad.safetensors", bytes);
        var e = Assert.Throws<UserInputException>(() => SafeTensors.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(fragment, e.Message);
        // the stream reader gives the same answer
        var s = Assert.Throws<UserInputException>(() => SafeTensors.Load(new MemoryStream(bytes), "mem"));
        Assert.Contains(fragment, s.Message);
        return e.Message;
    }

    [Fact]
    public void Lone_surrogate_escape_in_a_tensor_name_or_metadata_string_is_refused()
    {
        Rejects(File("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}"), "lone UTF-16 surrogate");
        Rejects(File("{\"__metadata__\":{\"k\":\"a\\udc00b\"}}"), "lone UTF-16 surrogate");
        Rejects(File("{\"__metadata__\":{\"\\ud83d\":\"v\"}}"), "lone UTF-16 surrogate");
    }

    [Fact]
    public void Json_errors_name_the_position()
    {
        string m = Rejects(File("{\"a\":{\"dtype\":\"F32\",}"), "malformed JSON header");
        Assert.Contains("byte ", m);
        Rejects(File("{}", declared: 1), "too short");
        Rejects(File("[1,2]"), "not an object");
        Rejects(File(new string('[', 40) + new string(']', 40)), "malformed JSON header"); // deeper than the header allows
    }

    [Fact]
    public void Header_length_bounds_are_checked_before_allocating()
    {
        Rejects(File("{}", declared: ulong.MaxValue), "exceeds");
        Rejects(File("{}", declared: 50_000_000), "larger than the rest of the file");
    }

    [Fact]
    public void Shapes_offsets_and_dtypes_must_agree()
    {
        Rejects(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]), "needs 8");
        Rejects(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}"), "invalid shape");
        Rejects(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,0]}}"), "too large");
        // a zero makes the tensor empty, but the strides of the other sizes would still overflow
        Rejects(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[0,2147483647,2147483647],\"data_offsets\":[0,0]}}"), "too large");
        Rejects(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + string.Join(',', Enumerable.Repeat(1, 40)) + "],\"data_offsets\":[0,4]}}", new byte[4]), "dimensions");
        Rejects(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[9223372036854775807,3]}}"), "end before begin");
        Rejects(File("{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]), "unsupported dtype");
        Rejects(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "overlap");
        Rejects(File("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}"), "duplicate metadata key");
    }

    [Fact]
    public async Task A_model_read_from_a_pipe_is_read_fully()
    {
        var path = _dir.File("m.safetensors");
        using (TensorScope.Suspend())
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray([1f, 2f, 3f], 3) }, new Dictionary<string, string> { ["k"] = "v" });
        string fifo = _dir.File("pipe");
        using (var mk = Process.Start("mkfifo", [fifo])) mk.WaitForExit();
        if (!System.IO.File.Exists(fifo)) return; // no mkfifo on this system
        var writer = Task.Run(() => { using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write); w.Write(System.IO.File.ReadAllBytes(path)); });
        var (t, meta) = SafeTensors.Load(fifo);
        await writer;
        Assert.Equal([1f, 2f, 3f], t["w"].ToArray());
        Assert.Equal("v", meta["k"]);
    }

    [Fact]
    public void A_folder_is_not_a_model_file()
    {
        var e = Assert.Throws<UserInputException>(() => SafeTensors.Load(_dir.Path));
        Assert.Contains("is a folder", e.Message);
    }

    [Fact]
    public void A_non_seekable_stream_needs_a_seekable_file()
    {
        var e = Assert.Throws<UserInputException>(() => SafeTensors.ReadHeader(new NonSeekable(new byte[16]), "stdin"));
        Assert.Equal("stdin: needs a seekable file (a regular file, not a pipe)", e.Message);
    }

    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
