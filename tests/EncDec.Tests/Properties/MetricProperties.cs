using CsCheck;
using EncDec.Metrics;
using Xunit;

namespace EncDec.Tests.Properties;

/// <summary>Invariants of the metrics on random corpora.</summary>
public sealed class MetricProperties
{
    private static IReadOnlyList<IReadOnlyList<string>> One(IReadOnlyList<string> refs) => [refs];

    [Fact]
    public void Identical_corpora_score_100()
    {
        PropertyGens.Sentence(4, 15).Array[1, 6].Array[60].Sample(corpora =>
        {
            foreach (var c in corpora)
            {
                Assert.Equal(100.0, Bleu.Corpus(c, One(c)).Score, 1e-9);
                Assert.Equal(100.0, ChrF.Corpus(c, One(c)).Score, 1e-9);
                Assert.Equal(1.0, ExactMatch.Corpus(c, One(c)));
                Assert.Equal(1.0, Rouge.Corpus(c, One(c)).Rouge1.F1, 1e-12);
                foreach (var s in c) Assert.Equal(100.0, Bleu.Sentence(s, [s]).Score, 1e-9);
            }
        }, seed: PropertyGens.Seed, iter: 1, threads: 1);
    }

    [Fact]
    public void Scores_stay_in_range_and_ignore_the_order_of_the_pairs()
    {
        var pairs = Gen.Select(PropertyGens.Sentence(0, 12), PropertyGens.Sentence(1, 12)).Array[1, 8]; // sacreBLEU refuses empty references
        Gen.Select(pairs, Gen.Int).Array[80].Sample(cases =>
        {
            foreach (var (ps, shuffleSeed) in cases)
            {
                var hyps = ps.Select(p => p.Item1).ToArray();
                var refs = ps.Select(p => p.Item2).ToArray();
                var bleu = Bleu.Corpus(hyps, One(refs));
                var chrf = ChrF.Corpus(hyps, One(refs));
                Assert.InRange(bleu.Score, 0.0, 100.0);
                Assert.InRange(chrf.Score, 0.0, 100.0);
                Assert.InRange(ExactMatch.Corpus(hyps, One(refs)), 0.0, 1.0);
                var r = Rouge.Corpus(hyps, One(refs));
                Assert.InRange(r.RougeL.F1, 0.0, 1.0);

                // corpus statistics are sums over pairs: shuffling the pairs together changes nothing
                var rnd = new Random(shuffleSeed);
                var order = Enumerable.Range(0, ps.Length).OrderBy(_ => rnd.Next()).ToArray();
                var h2 = order.Select(i => hyps[i]).ToArray();
                var r2 = order.Select(i => refs[i]).ToArray();
                var bleu2 = Bleu.Corpus(h2, One(r2));
                Assert.Equal(bleu.Score, bleu2.Score);
                Assert.Equal(bleu.Counts, bleu2.Counts);
                Assert.Equal(chrf.Score, ChrF.Corpus(h2, One(r2)).Score);
                Assert.Equal(ExactMatch.Corpus(hyps, One(refs)), ExactMatch.Corpus(h2, One(r2)));
            }
        }, seed: PropertyGens.Seed, iter: 1, threads: 1);
    }

    [Fact]
    public void A_second_identical_reference_stream_changes_nothing_and_a_perfect_one_gives_100()
    {
        var pairs = Gen.Select(PropertyGens.Sentence(4, 12), PropertyGens.Sentence(4, 12)).Array[1, 6];
        pairs.Array[60].Sample(cases =>
        {
            foreach (var ps in cases)
            {
                var hyps = ps.Select(p => p.Item1).ToArray();
                var refs = ps.Select(p => p.Item2).ToArray();
                Assert.Equal(Bleu.Corpus(hyps, One(refs)).Score, Bleu.Corpus(hyps, [refs, refs]).Score, 1e-9);
                Assert.Equal(ChrF.Corpus(hyps, One(refs)).Score, ChrF.Corpus(hyps, [refs, refs]).Score, 1e-9);
                // one reference stream equal to the hypotheses makes every n-gram match
                Assert.Equal(100.0, Bleu.Corpus(hyps, [refs, hyps]).Score, 1e-9);
            }
        }, seed: PropertyGens.Seed, iter: 1, threads: 1);
    }
}
