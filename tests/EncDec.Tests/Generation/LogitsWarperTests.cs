using EncDec.Generation;
using Xunit;

namespace EncDec.Tests.Generation;

public class LogitsWarperTests
{
    private static float[] LogOf(params double[] p) => p.Select(x => (float)Math.Log(x)).ToArray();
    private static int[] Kept(float[] s) => Enumerable.Range(0, s.Length).Where(i => !float.IsNegativeInfinity(s[i])).ToArray();

    [Fact]
    public void TopKKeepsTheKLargestWithTiesToLowerIds()
    {
        var s = new float[] { 1, 5, 3, 5, 0, 3 };
        LogitsWarpers.TopK(s, 3);
        Assert.Equal(new[] { 1, 2, 3 }, Kept(s));
        Assert.Equal(new float[] { 5, 3, 5 }, new[] { s[1], s[2], s[3] });
    }

    [Theory]
    [InlineData(0.01f, new[] { 3 })]
    [InlineData(0.49f, new[] { 3 })]
    [InlineData(0.69f, new[] { 0, 3 })]
    [InlineData(0.71f, new[] { 0, 3, 4 })]
    [InlineData(0.86f, new[] { 0, 1, 3, 4 })]
    [InlineData(0.96f, new[] { 0, 1, 2, 3, 4 })]
    public void TopPKeepsTheSmallestSetWithEnoughMass(float p, int[] expected)
    {
        // probabilities by id: 0.2, 0.1, 0.05, 0.5, 0.15 (sorted: 3, 0, 4, 1, 2)
        var s = LogOf(0.2, 0.1, 0.05, 0.5, 0.15);
        LogitsWarpers.TopP(s, p);
        Assert.Equal(expected, Kept(s));
        // shifting the scores (logits vs log-probs) changes nothing
        var t = LogOf(0.2, 0.1, 0.05, 0.5, 0.15).Select(x => x + 3f).ToArray();
        LogitsWarpers.TopP(t, p);
        Assert.Equal(expected, Kept(t));
    }

    [Theory]
    [InlineData(0.2f, new[] { 1 })]
    [InlineData(0.45f, new[] { 1, 2 })]
    [InlineData(0.55f, new[] { 0, 1, 2 })]
    [InlineData(0.95f, new[] { 0, 1, 2, 3 })]
    public void TypicalKeepsTokensClosestToTheEntropy(float mass, int[] expected)
    {
        // p = 0.4, 0.3, 0.2, 0.1: H = 1.2799; |-log p - H| = 0.364, 0.076, 0.330, 1.023 → order 1, 2, 0, 3
        double[] p = { 0.4, 0.3, 0.2, 0.1 };
        double h = -p.Sum(x => x * Math.Log(x));
        var order = Enumerable.Range(0, 4).OrderBy(i => Math.Abs(-Math.Log(p[i]) - h)).ToArray();
        Assert.Equal(new[] { 1, 2, 0, 3 }, order);
        var s = LogOf(p);
        LogitsWarpers.Typical(s, mass);
        Assert.Equal(expected, Kept(s));   // note: at mass 0.45 the most likely token (0) is dropped
    }

    [Fact]
    public void MinPKeepsTokensAboveAFractionOfTheMax()
    {
        var s = LogOf(0.5, 0.2, 0.15, 0.1, 0.05);
        LogitsWarpers.MinP(s, 0.25f);            // threshold 0.125
        Assert.Equal(new[] { 0, 1, 2 }, Kept(s));
        s = LogOf(0.5, 0.2, 0.15, 0.1, 0.05);
        LogitsWarpers.MinP(s, 0.35f);            // threshold 0.175
        Assert.Equal(new[] { 0, 1 }, Kept(s));
        s = LogOf(0.5, 0.2, 0.15, 0.1, 0.05);
        LogitsWarpers.MinP(s, 1f);
        Assert.Equal(new[] { 0 }, Kept(s));
    }

    [Fact]
    public void RepetitionPenaltyIsCtrlStyleOncePerToken()
    {
        var l = new float[] { 2, -1, 3, 0.5f };
        new RepetitionPenaltyLogitsProcessor(2f).Process(0, new[] { 0, 1, 1 }, l);
        Assert.Equal(new float[] { 1, -2, 3, 0.5f }, l);
    }

    [Fact]
    public void NoRepeatNgramBansCompletions()
    {
        var l = new float[6];
        new NoRepeatNGramLogitsProcessor(3).Process(0, new[] { 3, 4, 5, 3, 4 }, l);   // "3 4" seen before "5"
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, Kept(l));
        l = new float[6];
        new NoRepeatNGramLogitsProcessor(1).Process(0, new[] { 3, 5 }, l);
        Assert.Equal(new[] { 0, 1, 2, 4 }, Kept(l));
    }

    [Fact]
    public void BannedSequencesBanTheLastTokenWhenThePrefixMatches()
    {
        var p = new BannedSequencesLogitsProcessor(new[] { new[] { 3, 4 }, new[] { 5 }, new[] { 1, 2, 3 } });
        var l = new float[6];
        p.Process(0, new[] { 2, 3 }, l);
        Assert.Equal(new[] { 0, 1, 2, 3 }, Kept(l));
        l = new float[6];
        p.Process(0, new[] { 1, 2 }, l);
        Assert.Equal(new[] { 0, 1, 2, 4 }, Kept(l));
    }

    [Theory]
    [InlineData(0.6f, 1f, 0f)]
    [InlineData(1f, 0.5f, 0f)]
    [InlineData(1f, 1f, 0.3f)]
    public void SamplingStaysInsideTheKeptSetAndReachesAllOfIt(float topP, float typical, float minP)
    {
        var m = new TableModel(8, 4, 17, scale: 1f);
        var res = SequenceGenerator.Generate(m, new[] { new[] { 3 } },
            new GenerationOptions { Strategy = DecodingStrategy.Sample, MaxLength = 1, NBest = 300, TopP = topP, TypicalP = typical, MinP = minP, Seed = 5 });
        var row = m.Row(1, 0);
        var lse = Math.Log(row.Sum(x => Math.Exp(x)));
        var lp = row.Select(x => (float)(x - lse)).ToArray();       // the generator's log-probs (PAD/BOS masked, not renormalised)
        lp[0] = lp[1] = float.NegativeInfinity;
        LogitsWarpers.TopP(lp, topP); LogitsWarpers.Typical(lp, typical); LogitsWarpers.MinP(lp, minP);
        var allowed = Kept(lp);
        Assert.True(allowed.Length > 1 && allowed.Length < 6);
        Assert.All(res[0].Hypotheses, h => Assert.Contains(h.Tokens.Length == 0 ? 2 : h.Tokens[0], allowed));
        Assert.True(res[0].Hypotheses.Select(h => h.Tokens.Length == 0 ? 2 : h.Tokens[0]).Distinct().Count() == allowed.Length);
    }

    [Fact]
    public void DrawsFollowTheDistribution()
    {
        var s = LogOf(0.1, 0.6, 0.0001, 0.3);
        s[2] = float.NegativeInfinity;
        var rng = new global::EncDec.Tensors.Rng(123);
        var counts = new int[4];
        const int n = 40000;
        for (int i = 0; i < n; i++) counts[SequenceGenerator.SampleIndex(s, rng)]++;
        Assert.Equal(0, counts[2]);
        Assert.InRange(counts[0] / (double)n, 0.09, 0.11);
        Assert.InRange(counts[1] / (double)n, 0.59, 0.61);
        Assert.InRange(counts[3] / (double)n, 0.29, 0.31);
    }
}
