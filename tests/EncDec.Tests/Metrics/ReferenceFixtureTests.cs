using System.Text.Json;
using EncDec.Metrics;
using Xunit;

namespace EncDec.Tests.Metrics;

/// <summary>
/// Compares against tests/fixtures/metrics/expected.json, made by tests/fixtures/make_metric_fixtures.py on the 30-line
/// hyp/ref1/ref2 set. Its "source" field says whether real sacreBLEU or that script's plain-Python transcription of
/// sacreBLEU 2.x produced the numbers (sacreBLEU is not installable on the dev machines; see the script).
/// </summary>
public class ReferenceFixtureTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "metrics", name);

    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Fixture("expected.json"))).RootElement;

    private static IReadOnlyList<string> Hyps => MetricFiles.ReadLines(Fixture("hyp.txt"));

    private static IReadOnlyList<IReadOnlyList<string>> Refs(string name) => name switch
    {
        "ref1" => new[] { MetricFiles.ReadLines(Fixture("ref1.txt")) },
        "ref1+ref2" => new[] { MetricFiles.ReadLines(Fixture("ref1.txt")), MetricFiles.ReadLines(Fixture("ref2.txt")) },
        _ => throw new ArgumentException(name),
    };

    public static IEnumerable<object[]> Cases()
    {
        int i = 0;
        foreach (var c in Expected.GetProperty("cases").EnumerateArray())
        {
            string label = c.GetProperty("metric").GetString() + " " + c.GetProperty("refs").GetString() + " " +
                (c.TryGetProperty("tokenize", out var t) ? "tok=" + t.GetString() : "nw=" + c.GetProperty("word_order").GetInt32()) +
                (c.GetProperty("lowercase").GetBoolean() ? " lc" : "");
            yield return new object[] { i++, label };
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_reference(int index, string label)
    {
        var c = Expected.GetProperty("cases")[index];
        bool lc = c.GetProperty("lowercase").GetBoolean();
        var refs = Refs(c.GetProperty("refs").GetString()!);
        if (c.GetProperty("metric").GetString() == "bleu")
        {
            var s = Bleu.Corpus(Hyps, refs, new BleuOptions { Tokenize = BleuTokenizers.Parse(c.GetProperty("tokenize").GetString()!), Lowercase = lc });
            Assert.Equal(c.GetProperty("counts").EnumerateArray().Select(x => x.GetInt64()), s.Counts);
            Assert.Equal(c.GetProperty("totals").EnumerateArray().Select(x => x.GetInt64()), s.Totals);
            Assert.Equal(c.GetProperty("sys_len").GetInt64(), s.SysLen);
            Assert.Equal(c.GetProperty("ref_len").GetInt64(), s.RefLen);
            Assert.Equal(c.GetProperty("bp").GetDouble(), s.Bp, 1e-12);
            var prec = c.GetProperty("precisions").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            for (int n = 0; n < prec.Length; n++) Assert.Equal(prec[n], s.Precisions[n], 1e-9);
            Assert.Equal(c.GetProperty("score").GetDouble(), s.Score, 1e-9);
        }
        else
        {
            var s = ChrF.Corpus(Hyps, refs, new ChrFOptions { WordOrder = c.GetProperty("word_order").GetInt32(), Lowercase = lc });
            if (c.TryGetProperty("statistics", out var st))
                Assert.Equal(st.EnumerateArray().Select(x => x.GetInt64()), s.Statistics);
            Assert.Equal(c.GetProperty("score").GetDouble(), s.Score, 1e-9);
        }
        Assert.NotEmpty(label);
    }

    [Fact]
    public void Tokenizer13a_matches_reference_on_every_line()
    {
        var expected = Expected.GetProperty("tokenized_13a").EnumerateArray().Select(x => x.GetString()).ToArray();
        Assert.Equal(expected, Hyps.Select(Tokenizer13a.Tokenize).ToArray());
    }

    [Fact]
    public void Variable_reference_count_shows_in_signature()
        => Assert.StartsWith("nrefs:var|", Bleu.Corpus(Hyps, Refs("ref1+ref2")).Signature);
}
