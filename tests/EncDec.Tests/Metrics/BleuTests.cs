using EncDec.Metrics;
using Xunit;

namespace EncDec.Tests.Metrics;

public class BleuTests
{
    private static IReadOnlyList<IReadOnlyList<string>> Refs(params string[][] streams) => streams;

    [Fact]
    public void Perfect_match_is_100()
    {
        var s = Bleu.Corpus(new[] { "the cat sat on the mat" }, Refs(new[] { "the cat sat on the mat" }));
        Assert.Equal(100.0, s.Score, 1e-9);
        Assert.Equal(new long[] { 6, 5, 4, 3 }, s.Counts);
        Assert.Equal(new long[] { 6, 5, 4, 3 }, s.Totals);
        Assert.Equal(1.0, s.Bp);
        Assert.Equal("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:encdec", s.Signature);
    }

    [Fact]
    public void Zero_matches_give_zero_without_crashing()
    {
        var s = Bleu.Corpus(new[] { "foo bar" }, Refs(new[] { "the cat" }));
        Assert.Equal(0.0, s.Score);
        Assert.Equal(new long[] { 0, 0, 0, 0 }, s.Counts);
        Assert.Equal(new long[] { 2, 1, 0, 0 }, s.Totals);
        Assert.Equal(new double[] { 0, 0, 0, 0 }, s.Precisions);
        Assert.Equal(1.0, s.Bp);
    }

    [Fact]
    public void Empty_hypothesis_has_zero_bp_and_score()
    {
        var s = Bleu.Corpus(new[] { "" }, Refs(new[] { "the cat" }));
        Assert.Equal(0.0, s.Score);
        Assert.Equal(0.0, s.Bp);
        Assert.Equal(0, s.SysLen);
        Assert.Equal(2, s.RefLen);
    }

    [Fact]
    public void Brevity_penalty_for_short_hypothesis()
    {
        // 5 hyp tokens, all n-grams match; ref has 6 tokens: BP = exp(1 - 6/5).
        var s = Bleu.Corpus(new[] { "the cat sat on the" }, Refs(new[] { "the cat sat on the mat" }));
        Assert.Equal(new long[] { 5, 4, 3, 2 }, s.Counts);
        Assert.Equal(Math.Exp(-0.2), s.Bp, 1e-15);
        Assert.Equal(100 * Math.Exp(-0.2), s.Score, 1e-9); // 81.87307530779819
        Assert.Equal("BLEU = 81.87 100.0/100.0/100.0/100.0 (BP = 0.819 ratio = 0.833 hyp_len = 5 ref_len = 6)",
            MetricsFormatter.FormatBleu(s));
    }

    [Fact]
    public void Short_hypothesis_without_effective_order_scores_zero()
    {
        // Totals for orders 3 and 4 are 0: sacreBLEU stops there and log(0) makes corpus BLEU 0.
        var s = Bleu.Corpus(new[] { "the cat" }, Refs(new[] { "the cat sat" }));
        Assert.Equal(0.0, s.Score);
        Assert.Equal(new double[] { 100, 100, 0, 0 }, s.Precisions);
        // Sentence BLEU uses effective order: only orders 1-2 count, BP = exp(1 - 3/2).
        var sent = Bleu.Sentence("the cat", new[] { "the cat sat" });
        Assert.Equal(100 * Math.Exp(-0.5), sent.Score, 1e-9);
        Assert.Contains("eff:yes", sent.Signature);
    }

    [Fact]
    public void Exp_smoothing_matters_when_an_order_has_no_match()
    {
        // hyp "a cat sat here" vs "the cat sat there": 1-grams 2/4, 2-grams 1/3, 3-grams 0/2, 4-grams 0/1.
        // exp smoothing: first zero order gets 100/(2*2) = 25, second 100/(4*1) = 25.
        string[] hyp = { "a cat sat here" };
        var refs = Refs(new[] { "the cat sat there" });
        var s = Bleu.Corpus(hyp, refs);
        Assert.Equal(new long[] { 2, 1, 0, 0 }, s.Counts);
        Assert.Equal(new long[] { 4, 3, 2, 1 }, s.Totals);
        Assert.Equal(50.0, s.Precisions[0], 1e-12);
        Assert.Equal(100.0 / 3, s.Precisions[1], 1e-12);
        Assert.Equal(25.0, s.Precisions[2], 1e-12);
        Assert.Equal(25.0, s.Precisions[3], 1e-12);
        Assert.Equal(Math.Pow(50.0 * (100.0 / 3) * 25 * 25, 0.25), s.Score, 1e-9); // ≈ 31.947
        Assert.Equal("BLEU = 31.95 50.0/33.3/25.0/25.0 (BP = 1.000 ratio = 1.000 hyp_len = 4 ref_len = 4)", MetricsFormatter.FormatBleu(s));

        // No smoothing: a zero order zeroes the score.
        Assert.Equal(0.0, Bleu.Corpus(hyp, refs, new BleuOptions { Smooth = BleuSmooth.None }).Score);

        // floor (0.1): 100*0.1/2 = 5 and 100*0.1/1 = 10.
        var floor = Bleu.Corpus(hyp, refs, new BleuOptions { Smooth = BleuSmooth.Floor });
        Assert.Equal(Math.Pow(50.0 * (100.0 / 3) * 5 * 10, 0.25), floor.Score, 1e-9);
        Assert.EndsWith("smooth:floor[0.10]|version:encdec", floor.Signature);

        // add-k (1) on orders ≥ 2: (1+1)/(3+1), (0+1)/(2+1), (0+1)/(1+1).
        var addk = Bleu.Corpus(hyp, refs, new BleuOptions { Smooth = BleuSmooth.AddK });
        Assert.Equal(Math.Pow(50.0 * 50.0 * (100.0 / 3) * 50.0, 0.25), addk.Score, 1e-9);
        Assert.EndsWith("smooth:add-k[1.00]|version:encdec", addk.Signature);
        Assert.Equal(new long[] { 2, 1, 0, 0 }, addk.Counts); // raw counts reported
    }

    [Fact]
    public void Multi_reference_clipping_uses_max_count_over_references()
    {
        // "the" ×4 in hyp; ref1 has it once, ref2 twice → clip at 2. "the the" ×3 in hyp, once in ref2 → 1.
        var s = Bleu.Corpus(new[] { "the the the the" }, Refs(new[] { "the cat" }, new[] { "the the dog" }));
        Assert.Equal(new long[] { 2, 1, 0, 0 }, s.Counts);
        Assert.Equal(new long[] { 4, 3, 2, 1 }, s.Totals);
        Assert.Equal(3, s.RefLen); // closest of 2 and 3 to 4
        Assert.StartsWith("nrefs:2|", s.Signature);
        Assert.Equal(Math.Pow(50.0 * (100.0 / 3) * 25 * 25, 0.25), s.Score, 1e-9);
    }

    [Fact]
    public void Closest_reference_length_ties_go_to_the_shorter()
    {
        var s = Bleu.Corpus(new[] { "a b c d" }, Refs(new[] { "a b c d e" }, new[] { "a b c" }));
        Assert.Equal(3, s.RefLen);
        Assert.Equal(1.0, s.Bp);
    }

    [Fact]
    public void Corpus_statistics_are_summed_before_the_score()
    {
        // Segment 1 is perfect (4 tokens), segment 2 has no match (2 tokens): 1-grams 4/6, 2-grams 3/4, 3-grams 2/2, 4-grams 1/1... 
        var s = Bleu.Corpus(new[] { "a b c d", "x y" }, Refs(new[] { "a b c d", "p q" }));
        Assert.Equal(new long[] { 4, 3, 2, 1 }, s.Counts);
        Assert.Equal(new long[] { 6, 4, 2, 1 }, s.Totals);
        Assert.Equal(Math.Pow(100.0 * 4 / 6 * 75 * 100 * 100, 0.25), s.Score, 1e-9);
    }

    [Fact]
    public void Empty_reference_lines_are_dropped_and_nrefs_becomes_var()
    {
        var s = Bleu.Corpus(new[] { "a b c d", "a b c d" }, Refs(new[] { "a b c d", "a b c d" }, new[] { "x", "" }));
        Assert.StartsWith("nrefs:var|", s.Signature);
        Assert.Throws<EmptyReferenceException>(() => Bleu.Corpus(new[] { "a" }, Refs(new[] { "" })));
    }

    [Fact]
    public void Lowercase_and_tokenizer_options()
    {
        var mixed = Bleu.Corpus(new[] { "The Cat." }, Refs(new[] { "the cat ." }));
        Assert.Equal(new long[] { 1, 0, 0, 0 }, mixed.Counts); // only "." matches
        var lc = Bleu.Corpus(new[] { "The Cat." }, Refs(new[] { "the cat ." }), new BleuOptions { Lowercase = true });
        Assert.Equal(new long[] { 3, 2, 1, 0 }, lc.Counts);
        Assert.Equal("nrefs:1|case:lc|eff:no|tok:13a|smooth:exp|version:encdec", lc.Signature);
        var none = Bleu.Corpus(new[] { "The Cat." }, Refs(new[] { "The Cat ." }), new BleuOptions { Tokenize = BleuTokenize.None });
        Assert.Equal(new long[] { 1, 0, 0, 0 }, none.Counts); // "Cat." ≠ "Cat"
    }

    [Fact]
    public void Mismatched_stream_lengths_are_rejected()
        => Assert.Throws<ArgumentException>(() => Bleu.Corpus(new[] { "a", "b" }, Refs(new[] { "a" })));
}
