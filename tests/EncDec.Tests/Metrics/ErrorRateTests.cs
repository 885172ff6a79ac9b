using EncDec.Cli.Commands;
using EncDec.Metrics;
using Xunit;

namespace EncDec.Tests.Metrics;

/// <summary>WER and CER on cases checked by hand against jiwer 3's definitions.</summary>
public sealed class ErrorRateTests
{
    [Fact]
    public void Wer_counts_a_substitution_and_a_deletion()
    {
        // the cat sat on the mat → the cat sit on mat: sat→sit (S), "the" dropped (D), 4 hits
        var s = ErrorRate.Wer(["the cat sit on mat"], ["the cat sat on the mat"]);
        Assert.Equal((1, 1, 0, 4), (s.Substitutions, s.Deletions, s.Insertions, s.Hits));
        Assert.Equal(2.0 / 6, s.Rate, 12);
    }

    [Fact]
    public void Wer_collapses_spaces_and_sums_over_the_corpus()
    {
        Assert.Equal(0.5, ErrorRate.Wer(["  a   b c "], ["a b"]).Rate, 12);          // one insertion over 2 words
        // seg 1: D1 H1; seg 2: S1 I1 → (S+D+I)/(S+D+H) = 3/3, not the mean of per-segment rates (0.5 and 2.0)
        var s = ErrorRate.Wer(["hello", "bar baz"], ["hello world", "foo"]);
        Assert.Equal((1, 1, 1, 1), (s.Substitutions, s.Deletions, s.Insertions, s.Hits));
        Assert.Equal(1.0, s.Rate, 12);
        Assert.Equal(1.0, ErrorRate.Wer([""], ["a b c"]).Rate, 12);                    // three deletions
        Assert.Equal(2.0, ErrorRate.Wer(["x y z w"], ["a b"]).Rate, 12);               // rates can exceed 1
    }

    [Fact]
    public void Cer_counts_inner_spaces_and_strips_the_ends()
    {
        Assert.Equal(1.0 / 3, ErrorRate.Cer(["abd"], ["abc"]).Rate, 12);
        Assert.Equal(0.2, ErrorRate.Cer(["abcd"], ["ab cd"]).Rate, 12);                 // the space is a deleted character
        Assert.Equal(0.0, ErrorRate.Cer(["ab"], [" ab  "]).Rate, 12);
        Assert.Equal(0.5, ErrorRate.Cer(["ü"], ["üß"]).Rate, 12);                        // code points, not bytes
        var s = ErrorRate.Cer(["kitten"], ["sitting"]);                                  // the classic distance 3
        Assert.Equal(3.0 / 7, s.Rate, 12);
    }

    [Fact]
    public void Empty_reference_is_rejected()
        => Assert.Throws<EmptyReferenceException>(() => ErrorRate.Wer(["a"], ["   "]));

    [Fact]
    public void Eval_prints_wer_and_cer()
    {
        using var dir = new TempDir();
        string hyp = dir.Write("hyp.txt", "the cat sit on mat\nabd\n");
        string reff = dir.Write("ref.txt", "the cat sat on the mat\nabc\n");
        var so = new StringWriter(); var se = new StringWriter();
        int rc = EvalCommand.Run(new EvalOptions { HypPath = hyp, RefPaths = [reff], Metrics = EvalOptions.ParseMetrics("wer,cer") }, so, se);
        Assert.True(rc == 0, se.ToString());
        // words: S2 D1 over 7 reference words; characters: "the cat sit on mat" vs "the cat sat on the mat" = S1 D4, plus abd/abc S1
        Assert.Contains("WER = 42.86 (S 2, D 1, I 0, H 4; 7 reference words)", so.ToString());
        Assert.Contains("CER = 24.00 (S 2, D 4, I 0, H 19; 25 reference characters)", so.ToString());
        var json = new StringWriter();
        EvalCommand.Run(new EvalOptions { HypPath = hyp, RefPaths = [reff], Metrics = EvalMetrics.Wer, Json = true }, json, se);
        using var doc = System.Text.Json.JsonDocument.Parse(json.ToString());
        Assert.Equal(3.0 / 7, doc.RootElement.GetProperty("wer").GetDouble(), 12);
        Assert.Equal(4, doc.RootElement.GetProperty("wer_counts").GetProperty("hits").GetInt32());
    }

    [Fact]
    public void Eval_wer_with_two_references_is_a_user_error()
    {
        using var dir = new TempDir();
        string f = dir.Write("a.txt", "x\n");
        var se = new StringWriter();
        Assert.Equal(1, EvalCommand.Run(new EvalOptions { HypPath = f, RefPaths = [f, f], Metrics = EvalMetrics.Wer }, new StringWriter(), se));
        Assert.Contains("exactly one --ref", se.ToString());
    }
}
