using EncDec.Generation;
using EncDec.Models;
using EncDec.Nn.LongAttention;
using EncDec.Tensors;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Models;

/// <summary>
/// Decoder-only LMs with sliding-window, chunked or linear self-attention decode batches of prompts of different lengths
/// (these cores cannot mask a short prompt's padding in the cache, so each length is prefilled and stepped on its own rows):
/// the batched cached steps give the full-sequence forward's logits, and batched generation equals each prompt alone.
/// </summary>
public sealed class LongAttentionLmTests
{
    private const int Vocab = 20;
    private static readonly int[][] Prompts = [[5, 6, 7, 8, 9], [10, 11], [], [12, 13, 14, 15, 16, 17, 18], [6, 7]];

    private static DecoderOnlyLm Model(AttentionCoreKind kind)
    {
        var model = ModelFactory.BuildLanguageModel(new ModelConfig
        {
            Family = ModelFamily.DecoderOnly, TgtVocabSize = Vocab, DModel = 16, Heads = 2, FeedForward = 32, DecoderLayers = 2,
            DecoderAttention = kind, AttentionChunk = 2, AttentionWindow = kind == AttentionCoreKind.Sliding ? 3 : null,
            AttentionGlobalTokens = kind == AttentionCoreKind.Sliding ? 1 : null, Seed = 9,
        });
        model.Eval();
        return model;
    }

    [Theory]
    [InlineData(AttentionCoreKind.Sliding)]
    [InlineData(AttentionCoreKind.Chunked)]
    [InlineData(AttentionCoreKind.Linear)]
    public void MixedLengthCachedStepsEqualTheFullSequenceForward(AttentionCoreKind kind)
    {
        var model = Model(kind);
        using var noGrad = GradMode.NoGrad();
        var rng = new Rng(3);
        int b = Prompts.Length, steps = 5;
        var fed = Prompts.Select(_ => Enumerable.Range(0, steps).Select(_ => Vocabulary.SpecialCount + rng.NextInt(Vocab - Vocabulary.SpecialCount)).ToArray()).ToArray();
        var cache = model.Prefill(Padding.PadRows(Prompts, Vocabulary.PadId, out _), Prompts.Select(p => p.Length).ToArray());
        double worst = 0;
        for (int t = 0; t < steps; t++)
        {
            // beam-style reordering half-way: rows swap places, the cache follows them
            if (t == 2)
            {
                int[] perm = [4, 3, 2, 1, 0];
                cache = (LanguageModelCache)cache.Select(perm);
                fed = perm.Select(i => fed[i]).ToArray();
            }
            var prompts = t >= 2 ? Prompts.Reverse().ToArray() : Prompts;
            var step = model.Step(fed.Select(f => f[t]).ToArray(), cache);                     // (B, V)
            var logits = step.Logits.ToArray();
            for (int i = 0; i < b; i++)
            {
                var seq = prompts[i].Concat(fed[i].Take(t + 1)).ToArray();
                var full = model.Logits(new IndexTensor(seq, 1, seq.Length)).ToArray();       // (1, L, V)
                for (int k = 0; k < Vocab; k++)
                    worst = Math.Max(worst, Math.Abs(logits[i * Vocab + k] - full[(seq.Length - 1) * Vocab + k]));
            }
            cache = (LanguageModelCache)step.Next;
        }
        Assert.True(worst < 1e-4, $"{kind}: max |cached step − full forward| = {worst}");
        Assert.Equal(steps, cache.Steps);
    }

    [Theory]
    [InlineData(AttentionCoreKind.Sliding, DecodingStrategy.Greedy)]
    [InlineData(AttentionCoreKind.Sliding, DecodingStrategy.Beam)]
    [InlineData(AttentionCoreKind.Linear, DecodingStrategy.Beam)]
    [InlineData(AttentionCoreKind.Chunked, DecodingStrategy.Greedy)]
    public void BatchedMixedLengthGenerationEqualsEachPromptAlone(AttentionCoreKind kind, DecodingStrategy strategy)
    {
        var model = Model(kind);
        var options = new GenerationOptions { Strategy = strategy, MaxLength = 7, BeamSize = 3, NBest = strategy == DecodingStrategy.Greedy ? 1 : 2, Seed = 5, TopK = 6 };
        var batched = SequenceGenerator.Generate(model, Prompts, options);
        for (int i = 0; i < Prompts.Length; i++)
        {
            var alone = SequenceGenerator.Generate(model, new[] { Prompts[i] }, options, sourceIds: new[] { i })[0];
            Assert.Equal(alone.Hypotheses.Count, batched[i].Hypotheses.Count);
            for (int h = 0; h < alone.Hypotheses.Count; h++)
            {
                Assert.Equal(alone.Hypotheses[h].Tokens, batched[i].Hypotheses[h].Tokens);
                Assert.Equal(alone.Hypotheses[h].Score, batched[i].Hypotheses[h].Score, 1e-4f);
            }
        }
        Assert.Contains(batched, r => r.Hypotheses[0].Tokens.Length > 0);
    }
}
