using EncDec.Data;
using Xunit;

namespace EncDec.Tests.Data;

/// <summary>Hostile corpora: invalid UTF-8, NUL bytes, huge lines and bad JSONL strings name the file and line.</summary>
public sealed class CorpusHostileTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private static string Fails(Func<object> read, string fragment)
    {
        var e = Assert.Throws<UserInputException>(() => read());
        Assert.Contains(fragment, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    private static List<string> Lines(string path, int max = 100_000)
    {
        var list = new List<string>();
        using var r = new Utf8LineReader(path, max);
        while (r.ReadLine() is { } l) list.Add(l);
        return list;
    }

    [Fact]
    public void A_nul_byte_names_the_line_and_byte()
    {
        var p = _dir.WriteBytes("nul.txt", [.. "ok\nab"u8, 0, .. "c\n"u8]);
        Assert.Equal($"{p}:2: NUL byte at byte 3 of the line (a binary file, or UTF-16 text?)", Fails(() => Lines(p), "NUL"));
        // UTF-16 text is the usual way to get them
        var u16 = _dir.WriteBytes("u16.txt", System.Text.Encoding.Unicode.GetBytes("hallo\n"));
        Fails(() => Lines(u16), ":1: NUL byte");
    }

    [Fact]
    public void Invalid_utf8_and_huge_lines_name_the_line()
    {
        var p = _dir.WriteBytes("bad.txt", [.. "a\nb\n"u8, 0xC3, 0x28, (byte)'\n']);
        Fails(() => Lines(p), ":3: invalid UTF-8 at byte 1");
        var huge = _dir.Write("huge.txt", "short\n" + new string('x', 5000) + "\n");
        Fails(() => Lines(huge, 1000), ":2: line is longer than the maximum of 1000 characters");
        // the check comes before the line is stored: a line far over the limit is not read whole
        var giant = _dir.Write("giant.txt", new string('y', 3_000_000));
        Fails(() => Lines(giant, 1000), ":1: line is longer");
    }

    [Fact]
    public void Jsonl_lone_surrogates_and_nul_escapes_are_refused()
    {
        var p = _dir.Write("c.jsonl", "{\"src\": \"a\", \"tgt\": \"b\"}\n{\"src\": \"\\ud800\", \"tgt\": \"b\"}\n");
        Fails(() => ParallelCorpus.FromJsonl(p).ToList(), ":2: a field is not valid Unicode");
        var n = _dir.Write("n.jsonl", "{\"src\": \"a\\u0000\", \"tgt\": \"b\"}\n");
        Fails(() => ParallelCorpus.FromJsonl(n).ToList(), ":1: a \\u0000 (NUL) character");
        var bad = _dir.Write("j.jsonl", "{\"src\": \"a\", \"tgt\": }\n");
        Fails(() => ParallelCorpus.FromJsonl(bad).ToList(), ":1: invalid JSON at byte");
    }

    [Fact]
    public void A_folder_is_not_a_corpus()
        => Fails(() => Lines(_dir.Path), "is a folder");

    [Fact]
    public void A_stream_reads_like_a_file()
    {
        using var r = new Utf8LineReader(new MemoryStream("\uFEFFone\r\ntwo"u8.ToArray()), "stdin");
        Assert.Equal("one", r.ReadLine());
        Assert.Equal("two", r.ReadLine());
        Assert.Null(r.ReadLine());
    }
}
