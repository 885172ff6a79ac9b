using EncDec.Generation;
using Xunit;

namespace EncDec.Tests.Generation;

public class SequenceGeneratorTests
{
    private const int Eos = 2;
    private static readonly int[][] Sources = { new[] { 5, 6, 7 }, new[] { 3 }, new[] { 8, 4, 9, 10, 11 }, new[] { 6, 6 } };

    private static GenerationOptions Opts(DecodingStrategy s, int maxLen = 6) => new() { Strategy = s, MaxLength = maxLen };

    private static (int[] Tokens, double Score)[] BruteForce(TableModel m, int maxLen, float alpha)
    {
        var all = new List<(int[] Tokens, double Score)>();
        var real = Enumerable.Range(3, m.TargetVocabSize - 3).ToArray();
        void Rec(List<int> y, double s)
        {
            int prev = y.Count == 0 ? 1 : y[^1];
            double withEos = s + m.LogProb(prev, y.Count, Eos);
            double norm = withEos / Math.Pow((5.0 + y.Count + 1) / 6.0, alpha);
            all.Add((y.ToArray(), norm));
            if (y.Count == maxLen) return;
            foreach (var t in real) { y.Add(t); Rec(y, s + m.LogProb(prev, y.Count - 1, t)); y.RemoveAt(y.Count - 1); }
        }
        Rec(new List<int>(), 0);
        return all.OrderByDescending(x => x.Score).ToArray();
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(2.5f)]
    public void WideBeamFindsTheExactBestSequences(float alpha)
    {
        for (ulong seed = 1; seed <= 6; seed++)
        {
            var m = new TableModel(6, 5, seed, scale: 1.5f);
            var exact = BruteForce(m, 4, alpha);
            Assert.Equal(1 + 3 + 9 + 27 + 81, exact.Length);
            var res = SequenceGenerator.Generate(m, new[] { new[] { 3 } },
                Opts(DecodingStrategy.Beam, 4) with { BeamSize = 100, NBest = 8, LengthPenalty = alpha, ReturnTokenLogProbs = true });
            var hyps = res[0].Hypotheses;
            Assert.Equal(8, hyps.Count);
            for (int i = 0; i < 8; i++)
            {
                Assert.Equal(exact[i].Tokens, hyps[i].Tokens);
                Assert.Equal(exact[i].Score, hyps[i].NormalizedScore, 4);
                Assert.Equal(hyps[i].Score, hyps[i].TokenLogProbs!.Sum(), 4);
                Assert.Equal(hyps[i].Score / Math.Pow((5.0 + hyps[i].Tokens.Length + 1) / 6.0, alpha), hyps[i].NormalizedScore, 4);
            }
            for (int i = 1; i < hyps.Count; i++) Assert.True(hyps[i - 1].NormalizedScore >= hyps[i].NormalizedScore);
        }
    }

    [Fact]
    public void BeamSizeOneEqualsGreedy()
    {
        var models = new Func<ulong, EncDec.Models.ISeq2SeqModel>[]
        {
            s => new TableModel(7, 8, s) { UseSource = true },
            s => new TinyAttentionModel(12, 8, s),
        };
        foreach (var make in models)
            for (ulong seed = 1; seed <= 5; seed++)
            {
                var m = make(seed);
                var g = SequenceGenerator.Generate(m, Sources, Opts(DecodingStrategy.Greedy, 8));
                var b = SequenceGenerator.Generate(m, Sources, Opts(DecodingStrategy.Beam, 8) with { BeamSize = 1 });
                for (int i = 0; i < Sources.Length; i++)
                {
                    Assert.Equal(g[i].Best.Tokens, b[i].Best.Tokens);
                    Assert.Equal(g[i].Best.Score, b[i].Best.Score, 5);
                }
            }
    }

    [Theory]
    [InlineData(DecodingStrategy.Greedy)]
    [InlineData(DecodingStrategy.Beam)]
    public void BatchedEqualsOneByOne(DecodingStrategy strategy)
    {
        var m = new TinyAttentionModel(12, 8, 3);
        var o = Opts(strategy, 7) with { BeamSize = 3, NBest = strategy == DecodingStrategy.Beam ? 3 : 1, LengthPenalty = 0.6f, ReturnAttention = true };
        var batched = SequenceGenerator.Generate(m, Sources, o);
        for (int i = 0; i < Sources.Length; i++)
        {
            var single = SequenceGenerator.Generate(m, new[] { Sources[i] }, o)[0];
            Assert.Equal(single.Hypotheses.Count, batched[i].Hypotheses.Count);
            for (int j = 0; j < single.Hypotheses.Count; j++)
            {
                Assert.Equal(single.Hypotheses[j].Tokens, batched[i].Hypotheses[j].Tokens);
                Assert.Equal(single.Hypotheses[j].Score, batched[i].Hypotheses[j].Score, 4);
                var a = single.Hypotheses[j].Attention!; var c = batched[i].Hypotheses[j].Attention!;
                Assert.Equal(a.GetLength(0), c.GetLength(0)); Assert.Equal(a.GetLength(1), c.GetLength(1));
                for (int r = 0; r < a.GetLength(0); r++) for (int s = 0; s < a.GetLength(1); s++) Assert.Equal(a[r, s], c[r, s], 4);
            }
        }
    }

    [Fact]
    public void GreedyPicksTheArgmaxOfTheTableAndStreams()
    {
        var m = new TableModel(6, 6, 11);
        var events = new List<StreamEvent>();
        var r = SequenceGenerator.Generate(m, new[] { new[] { 3, 4 } }, Opts(DecodingStrategy.Greedy, 5) with { ReturnTokenLogProbs = true }, events.Add)[0].Best;
        // replay: argmax among the non-special tokens and EOS, EOS forced at step 5
        var expected = new List<int>();
        int prev = 1;
        for (int step = 0; ; step++)
        {
            var row = m.Row(prev, step);
            int best = step >= 5 ? Eos : new[] { 2, 3, 4, 5 }.OrderByDescending(t => row[t]).ThenBy(t => t).First();
            if (best == Eos) break;
            expected.Add(best); prev = best;
        }
        Assert.Equal(expected, r.Tokens);
        Assert.Equal(r.Tokens.Append(Eos), events.Select(e => e.Token));
        Assert.Equal(Enumerable.Range(0, r.Tokens.Length + 1), events.Select(e => e.Step));
        Assert.All(events, e => Assert.Equal(0, e.SourceIndex));
        // log-probs are the model's (PAD/BOS masking does not renormalize)
        prev = 1;
        for (int t = 0; t <= r.Tokens.Length; t++)
        {
            int tok = t < r.Tokens.Length ? r.Tokens[t] : Eos;
            Assert.Equal(m.LogProb(prev, t, tok), r.TokenLogProbs![t], 4);
            prev = tok;
        }
    }

    [Fact]
    public void TemperatureScalesTheLogitsBeforeTheSoftmax()
    {
        var m = new TableModel(6, 6, 13);
        var h = SequenceGenerator.Generate(m, new[] { new[] { 3 } }, Opts(DecodingStrategy.Greedy, 3) with { Temperature = 2f, ReturnTokenLogProbs = true })[0].Best;
        int prev = 1;
        for (int t = 0; t <= h.Tokens.Length; t++)
        {
            int tok = t < h.Tokens.Length ? h.Tokens[t] : Eos;
            var row = m.Row(prev, t).Select(x => x / 2.0).ToArray();
            double lse = Math.Log(row.Sum(Math.Exp));
            Assert.Equal(row[tok] - lse, h.TokenLogProbs![t], 4);
            prev = tok;
        }
    }

    [Fact]
    public void AttentionAndTokenLogProbsHaveTheRightShapes()
    {
        var m = new TinyAttentionModel(12, 8, 5);
        foreach (var s in new[] { DecodingStrategy.Greedy, DecodingStrategy.Beam, DecodingStrategy.Sample })
        {
            var res = SequenceGenerator.Generate(m, Sources, Opts(s, 6) with { BeamSize = 3, NBest = 2, ReturnAttention = true, ReturnTokenLogProbs = true, Seed = 4 }
                with { NBest = s == DecodingStrategy.Greedy ? 1 : 2 });
            for (int i = 0; i < Sources.Length; i++)
                foreach (var h in res[i].Hypotheses)
                {
                    Assert.Equal(h.Tokens.Length + 1, h.TokenLogProbs!.Length);
                    Assert.Equal(h.Score, h.TokenLogProbs.Sum(), 4);
                    Assert.Equal(h.Tokens.Length + 1, h.Attention!.GetLength(0));
                    Assert.Equal(Sources[i].Length, h.Attention.GetLength(1));
                    for (int r = 0; r < h.Attention.GetLength(0); r++)
                    {
                        double sum = 0;
                        for (int c = 0; c < h.Attention.GetLength(1); c++) sum += h.Attention[r, c];
                        Assert.Equal(1.0, sum, 4);
                    }
                    Assert.True(h.Tokens.Length <= 6);
                    Assert.DoesNotContain(h.Tokens, t => t == 0 || t == 1 || t == Eos);
                }
        }
        var plain = SequenceGenerator.Generate(m, Sources, Opts(DecodingStrategy.Beam, 6))[0].Best;
        Assert.Null(plain.Attention); Assert.Null(plain.TokenLogProbs);
    }

    [Fact]
    public void SamplingIsReproducibleBySeed()
    {
        var m = new TinyAttentionModel(12, 8, 7);
        var o = Opts(DecodingStrategy.Sample, 8) with { NBest = 4, Temperature = 1.5f };
        string Run(ulong seed) => string.Join("|", SequenceGenerator.Generate(m, Sources, o with { Seed = seed })
            .SelectMany(r => r.Hypotheses).Select(h => string.Join(",", h.Tokens) + ":" + h.Score.ToString("R")));
        Assert.Equal(Run(42), Run(42));
        Assert.NotEqual(Run(42), Run(43));
        var res = SequenceGenerator.Generate(m, Sources, o with { Seed = 1 });
        Assert.All(res, r => Assert.Equal(4, r.Hypotheses.Count));
        Assert.All(res, r => Assert.True(r.Hypotheses.Zip(r.Hypotheses.Skip(1)).All(p => p.First.NormalizedScore >= p.Second.NormalizedScore)));
    }

    [Fact]
    public void TopKSamplingNeverLeavesTheTopK()
    {
        var m = new TableModel(10, 6, 21, scale: 0.5f);   // flat-ish so that sampling wanders
        const int k = 3;
        var res = SequenceGenerator.Generate(m, new[] { new[] { 3 } }, Opts(DecodingStrategy.Sample, 5) with { NBest = 300, TopK = k, Seed = 9 });
        var seen = new HashSet<int>();
        foreach (var h in res[0].Hypotheses)
        {
            int prev = 1;
            for (int t = 0; t <= h.Tokens.Length; t++)
            {
                int tok = t < h.Tokens.Length ? h.Tokens[t] : Eos;
                if (t < 5)
                {
                    var row = m.Row(prev, t);
                    var topK = Enumerable.Range(2, 8).OrderByDescending(x => row[x]).Take(k).ToArray();
                    Assert.Contains(tok, topK);
                    seen.Add(tok);
                }
                prev = tok;
            }
        }
        Assert.True(seen.Count > k);   // different contexts, different top-k sets, all reached
    }

    [Fact]
    public void MinLengthIsRespected()
    {
        // EOS is by far the most likely token everywhere
        var m = new TableModel(6, 6, 3);
        for (int a = 0; a < 6; a++) for (int p = 0; p < 6; p++) m.Table[a, p, Eos] = 10f;
        Assert.Empty(SequenceGenerator.Generate(m, Sources, Opts(DecodingStrategy.Greedy))[0].Best.Tokens);
        foreach (var s in new[] { DecodingStrategy.Greedy, DecodingStrategy.Beam, DecodingStrategy.Sample })
            foreach (var r in SequenceGenerator.Generate(m, Sources, Opts(s) with { MinLength = 3, BeamSize = 3, NBest = s == DecodingStrategy.Greedy ? 1 : 3 }))
                Assert.All(r.Hypotheses, h => Assert.Equal(3, h.Tokens.Length));
    }

    [Fact]
    public void ForcedPrefixStartsEveryOutputWithTheModelsLogProbs()
    {
        var m = new TableModel(8, 8, 5);
        var prefix = new[] { 7, 7, 3 };
        foreach (var s in new[] { DecodingStrategy.Greedy, DecodingStrategy.Beam, DecodingStrategy.Sample })
            foreach (var r in SequenceGenerator.Generate(m, Sources, Opts(s, 6) with { ForcedPrefix = prefix, BeamSize = 3, NBest = s == DecodingStrategy.Greedy ? 1 : 2, ReturnTokenLogProbs = true }))
                foreach (var h in r.Hypotheses)
                {
                    Assert.Equal(prefix, h.Tokens.Take(3));
                    Assert.Equal(m.LogProb(1, 0, 7), h.TokenLogProbs![0], 4);
                    Assert.Equal(m.LogProb(7, 1, 7), h.TokenLogProbs[1], 4);
                    Assert.Equal(m.LogProb(7, 2, 3), h.TokenLogProbs[2], 4);
                }
    }

    /// <summary>A model that wants to repeat "3 4 3 4 …".</summary>
    private static TableModel Repeater()
    {
        var m = new TableModel(8, 10, 8, scale: 0.3f);
        for (int p = 0; p < 10; p++) { m.Table[1, p, 3] = 6; m.Table[3, p, 4] = 6; m.Table[4, p, 3] = 6; }
        return m;
    }

    [Fact]
    public void NoRepeatNgramAndRepetitionPenalty()
    {
        var m = Repeater();
        var plain = SequenceGenerator.Generate(m, Sources, Opts(DecodingStrategy.Greedy, 8))[0].Best.Tokens;
        Assert.Equal(new[] { 3, 4, 3, 4, 3, 4, 3, 4 }, plain);
        foreach (var s in new[] { DecodingStrategy.Greedy, DecodingStrategy.Beam })
            foreach (var n in new[] { 1, 2, 3 })
                foreach (var r in SequenceGenerator.Generate(m, Sources, Opts(s, 8) with { NoRepeatNgramSize = n, BeamSize = 3 }))
                {
                    var y = r.Best.Tokens;
                    var grams = Enumerable.Range(0, Math.Max(0, y.Length - n + 1)).Select(i => string.Join(",", y.Skip(i).Take(n))).ToList();
                    Assert.Equal(grams.Count, grams.Distinct().Count());
                }
        var penalized = SequenceGenerator.Generate(m, Sources, Opts(DecodingStrategy.Greedy, 8) with { RepetitionPenalty = 100f })[0].Best.Tokens;
        Assert.Equal(penalized.Length, penalized.Distinct().Count());   // logits of 6 → 0.06: every repeat loses to a fresh token
    }

    [Fact]
    public void BannedSequencesNeverAppear()
    {
        var m = Repeater();
        var banned = new[] { new[] { 3, 4, 3 }, new[] { 5 } };
        foreach (var s in new[] { DecodingStrategy.Greedy, DecodingStrategy.Beam, DecodingStrategy.Sample })
            foreach (var r in SequenceGenerator.Generate(m, Sources, Opts(s, 8) with { BannedSequences = banned, BeamSize = 4, NBest = s == DecodingStrategy.Greedy ? 1 : 4, Seed = 3 }))
                foreach (var h in r.Hypotheses)
                {
                    Assert.False(Contains(h.Tokens, banned[0]), string.Join(",", h.Tokens));
                    Assert.DoesNotContain(5, h.Tokens);
                }
        var greedy = SequenceGenerator.Generate(m, Sources, Opts(DecodingStrategy.Greedy, 8) with { BannedSequences = banned })[0].Best.Tokens;
        Assert.Equal(new[] { 3, 4 }, greedy.Take(2));
        Assert.True(greedy.Length == 2 || greedy[2] != 3, string.Join(",", greedy));
    }

    internal static bool Contains(int[] y, int[] phrase)
    {
        for (int i = 0; i + phrase.Length <= y.Length; i++)
            if (y.AsSpan(i, phrase.Length).SequenceEqual(phrase)) return true;
        return false;
    }

    [Fact]
    public void RequiredPhrasesAlwaysAppear()
    {
        var phraseSets = new[]
        {
            new[] { new[] { 7, 8 } },
            new[] { new[] { 9, 10, 11 }, new[] { 5 } },
            new[] { new[] { 6, 6 }, new[] { 3, 9 }, new[] { 11 } },
        };
        var banned = new[] { new[] { 4, 4 } };
        int alreadySatisfied = 0, total = 0;
        for (ulong seed = 1; seed <= 4; seed++)
        {
            var models = new EncDec.Models.ISeq2SeqModel[] { new TinyAttentionModel(12, 8, seed), new TableModel(12, 8, seed) { UseSource = true } };
            foreach (var m in models)
                foreach (var phrases in phraseSets)
                    foreach (var beam in new[] { 1, 3, 6 })
                        foreach (var maxLen in new[] { 5, 10 })
                        {
                            var o = Opts(DecodingStrategy.Beam, maxLen) with { BeamSize = beam, NBest = Math.Min(beam, 2), RequiredPhrases = phrases, BannedSequences = banned, LengthPenalty = 0.5f };
                            var res = SequenceGenerator.Generate(m, Sources, o);
                            var free = SequenceGenerator.Generate(m, Sources, o with { RequiredPhrases = Array.Empty<int[]>() });
                            alreadySatisfied += free.Count(r => phrases.All(p => Contains(r.Best.Tokens, p)));
                            total += free.Count;
                            foreach (var r in res)
                            {
                                Assert.NotEmpty(r.Hypotheses);
                                foreach (var h in r.Hypotheses)
                                {
                                    foreach (var p in phrases) Assert.True(Contains(h.Tokens, p), $"[{string.Join(",", p)}] missing in [{string.Join(",", h.Tokens)}]");
                                    Assert.False(Contains(h.Tokens, banned[0]));
                                    Assert.True(h.Tokens.Length <= maxLen);
                                }
                            }
                        }
        }
        Assert.True(alreadySatisfied < total / 10, $"{alreadySatisfied}/{total} unconstrained outputs already satisfy the constraints");
    }

    [Fact]
    public void ConstrainedBeamKeepsUnconstrainedBestWhenItAlreadySatisfiesTheConstraints()
    {
        var m = new TinyAttentionModel(12, 8, 2);
        var free = SequenceGenerator.Generate(m, Sources, Opts(DecodingStrategy.Beam, 8) with { BeamSize = 4 });
        for (int i = 0; i < Sources.Length; i++)
        {
            var y = free[i].Best.Tokens;
            if (y.Length == 0) continue;
            var phrase = new[] { y[0] };
            var constrained = SequenceGenerator.Generate(m, new[] { Sources[i] }, Opts(DecodingStrategy.Beam, 8) with { BeamSize = 4, RequiredPhrases = new[] { phrase } })[0].Best;
            Assert.True(Contains(constrained.Tokens, phrase));
            Assert.True(constrained.Score >= free[i].Best.Score - 1e-4f || constrained.Tokens.SequenceEqual(y));
        }
    }

    [Fact]
    public void EarlyStoppingStopsOnceBeamSizeHypothesesFinished()
    {
        var m = new TableModel(6, 6, 4);
        var o = Opts(DecodingStrategy.Beam, 12) with { BeamSize = 2, NBest = 2, LengthPenalty = 1f };
        var exact = SequenceGenerator.Generate(m, Sources.Take(1).ToList(), o);
        var early = SequenceGenerator.Generate(m, Sources.Take(1).ToList(), o with { EarlyStopping = true });
        Assert.Equal(2, early[0].Hypotheses.Count);
        Assert.True(early[0].Best.NormalizedScore <= exact[0].Best.NormalizedScore + 1e-5f);
    }

    [Fact]
    public void MaxLengthFromSourceLength()
    {
        var o = new GenerationOptions { MaxLengthA = 1.5f, MaxLengthB = 2 };
        Assert.Equal(6, o.EffectiveMaxLength(3));
        Assert.Equal(4, (o with { MaxLength = 4 }).EffectiveMaxLength(3));
        var m = new TableModel(6, 6, 4);
        for (int a = 0; a < 6; a++) for (int p = 0; p < 6; p++) m.Table[a, p, Eos] = -10f;
        var res = SequenceGenerator.Generate(m, Sources, o with { Strategy = DecodingStrategy.Greedy });
        for (int i = 0; i < Sources.Length; i++) Assert.Equal(o.EffectiveMaxLength(Sources[i].Length), res[i].Best.Tokens.Length);
    }

    [Fact]
    public void UserLogitsProcessorGuidesGeneration()
    {
        var m = new TableModel(8, 8, 6);
        var bias = new BiasProcessor(6, 50f);
        var res = SequenceGenerator.Generate(m, Sources, Opts(DecodingStrategy.Greedy, 4) with { LogitsProcessors = new[] { bias } });
        Assert.All(res, r => Assert.Equal(new[] { 6, 6, 6, 6 }, r.Best.Tokens));
        Assert.Equal(Enumerable.Range(0, Sources.Length), bias.Sources.Distinct().Order());
    }

    [Fact]
    public void GreedyEndsARowWhoseEveryTokenIsBannedAndKeepsTheOthers()
    {
        var m = new TableModel(8, 8, 6);
        var free = SequenceGenerator.Generate(m, Sources, Opts(DecodingStrategy.Greedy, 6) with { ReturnTokenLogProbs = true });
        Assert.True(free[1].Best.Tokens.Length > 2, "source 1 must run past step 2 without the ban");
        var ban = new BanAllProcessor(source: 1, fromStep: 2);
        var res = SequenceGenerator.Generate(m, Sources, Opts(DecodingStrategy.Greedy, 6) with { ReturnTokenLogProbs = true, LogitsProcessors = new[] { ban } });
        for (int i = 0; i < Sources.Length; i++)
        {
            if (i == 1)
            {
                // every token −∞ at step 2: EOS there (log-prob −∞), the first two tokens as without the ban
                Assert.Equal(free[i].Best.Tokens.Take(2), res[i].Best.Tokens);
                Assert.True(float.IsNegativeInfinity(res[i].Best.TokenLogProbs![2]));
            }
            else
            {
                Assert.Equal(free[i].Best.Tokens, res[i].Best.Tokens);
                Assert.Equal(free[i].Best.Score, res[i].Best.Score);
            }
        }
    }

    private sealed class BanAllProcessor(int source, int fromStep) : ILogitsProcessor
    {
        public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
        {
            if (sourceIndex == source && generatedSoFar.Length >= fromStep) logits.Fill(float.NegativeInfinity);
        }
    }

    private sealed class BiasProcessor(int token, float bias) : ILogitsProcessor
    {
        public List<int> Sources { get; } = new();
        public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
        {
            Sources.Add(sourceIndex);
            logits[token] += bias;
        }
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        var m = new TableModel(6, 6, 1);
        Assert.Throws<ArgumentException>(() => SequenceGenerator.Generate(m, Sources, new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = 2, NBest = 3 }));
        Assert.Throws<ArgumentException>(() => SequenceGenerator.Generate(m, Sources, new GenerationOptions { TopP = 0f, Strategy = DecodingStrategy.Sample }));
        Assert.Throws<ArgumentException>(() => SequenceGenerator.Generate(m, Sources, new GenerationOptions { RequiredPhrases = new[] { new[] { 3 } } }));
        Assert.Throws<ArgumentException>(() => SequenceGenerator.Generate(m, Sources, new GenerationOptions { Temperature = 0f }));
    }
}
