using EncDec.Generation;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Text;
using Xunit;
using Xunit.Abstractions;

namespace EncDec.Tests.Models;

/// <summary>
/// The decoder-only LM's key/value cache: prefilled prompts of different lengths (one empty) stepped token by token give
/// the logits of the full-sequence forward, and generation through the cache chooses exactly what re-running the whole
/// sequence every step (the LM's former decoding) chooses, for greedy, beam and sampling.
/// </summary>
public sealed class LanguageModelCacheTests(ITestOutputHelper output)
{
    private const int Vocab = 20;

    private static DecoderOnlyLm Model(PositionalKind positions) => ModelFactory.BuildLanguageModel(new ModelConfig
    {
        Family = ModelFamily.DecoderOnly, TgtVocabSize = Vocab, DModel = 32, Heads = 4, FeedForward = 48, DecoderLayers = 2,
        Positional = positions, Dropout = 0.1f, Seed = 7,
    });

    private static readonly int[][] Prompts = [[5, 6, 7, 8, 9], [10, 11], [], [12, 13, 14, 15, 16, 17, 18]];

    [Theory]
    [InlineData(PositionalKind.Sinusoidal)]
    [InlineData(PositionalKind.Learned)]
    public void CachedStepsEqualTheFullSequenceForward(PositionalKind positions)
    {
        var model = Model(positions);
        model.Eval();
        using var noGrad = GradMode.NoGrad();
        var rng = new Rng(3);
        int b = Prompts.Length, steps = 6;
        var fed = Enumerable.Range(0, b).Select(_ => Enumerable.Range(0, steps).Select(_ => Vocabulary.SpecialCount + rng.NextInt(Vocab - Vocabulary.SpecialCount)).ToArray()).ToArray();
        var cache = model.Prefill(Padding.PadRows(Prompts, Vocabulary.PadId, out _), Prompts.Select(p => p.Length).ToArray());
        Assert.True(cache.Ragged);
        double worst = 0;
        for (int t = 0; t < steps; t++)
        {
            var step = model.Step(fed.Select(f => f[t]).ToArray(), cache);                         // (B, V)
            var logits = step.Logits.ToArray();
            for (int i = 0; i < b; i++)
            {
                var seq = Prompts[i].Concat(fed[i].Take(t + 1)).ToArray();
                var full = model.Logits(new IndexTensor(seq, 1, seq.Length)).ToArray();           // (1, L, V)
                for (int k = 0; k < Vocab; k++)
                    worst = Math.Max(worst, Math.Abs(logits[i * Vocab + k] - full[(seq.Length - 1) * Vocab + k]));
            }
            cache = (LanguageModelCache)step.Next;
        }
        output.WriteLine($"{positions}: max |cached step − full forward| = {worst:E2}");
        Assert.True(worst < 1e-5, $"max abs diff {worst}");
        Assert.Equal(steps, cache.Steps);
        Assert.Equal(Prompts.Max(p => p.Length) + steps, cache.Layers![0].Length);
    }

    public static TheoryData<DecodingStrategy> Strategies => new() { DecodingStrategy.Greedy, DecodingStrategy.Beam, DecodingStrategy.Sample };

    [Theory]
    [MemberData(nameof(Strategies))]
    public void GenerationThroughTheCacheEqualsRecomputingEveryStep(DecodingStrategy strategy)
    {
        var model = Model(PositionalKind.Sinusoidal);
        model.Eval();
        var options = new GenerationOptions { Strategy = strategy, MaxLength = 9, BeamSize = 3, NBest = strategy == DecodingStrategy.Greedy ? 1 : 2, Seed = 5, TopK = 8 };
        var cached = SequenceGenerator.Generate(model, Prompts, options);
        var recomputed = SequenceGenerator.Generate(new RecomputingLm(model), Prompts, options);
        Assert.Equal(Prompts.Length, cached.Count);
        for (int i = 0; i < cached.Count; i++)
        {
            Assert.Equal(recomputed[i].Hypotheses.Count, cached[i].Hypotheses.Count);
            for (int h = 0; h < cached[i].Hypotheses.Count; h++)
            {
                Assert.Equal(recomputed[i].Hypotheses[h].Tokens, cached[i].Hypotheses[h].Tokens);
                Assert.Equal(recomputed[i].Hypotheses[h].Score, cached[i].Hypotheses[h].Score, 1e-4f);
            }
        }
        Assert.Contains(cached, r => r.Best.Tokens.Length > 1);   // something was generated
    }

    /// <summary>Decodes by re-running each row's whole sequence through <see cref="DecoderOnlyLm.Logits"/> at every step.</summary>
    private sealed class RecomputingLm(DecoderOnlyLm lm) : ISeq2SeqModel
    {
        private sealed class Rows(int[][] tokens) : IDecoderState
        {
            public int[][] Tokens { get; } = tokens;
            public IDecoderState Select(int[] rows) => new Rows(rows.Select(r => Tokens[r]).ToArray());
        }

        private int[][] _prompts = [];

        public int TargetVocabSize => lm.TargetVocabSize;

        public EncoderOutput Encode(IndexTensor source, int[] lengths)
        {
            int b = source.Shape[0], s = source.Shape[1];
            _prompts = Enumerable.Range(0, b).Select(i => source.Data.Skip(i * s).Take(lengths[i]).ToArray()).ToArray();
            var rowIds = Tensor.FromArray(Enumerable.Range(0, b).Select(i => (float)i).ToArray(), b, 1);     // (B, 1): which prompt
            return new EncoderOutput(Tensor.Zeros(b, s, 1), EncoderOutput.MaskFromLengths(lengths, s), lengths, [rowIds]);
        }

        public IDecoderState InitialState(EncoderOutput encoder)
            => new Rows(encoder.Extras[0].ToArray().Select(r => _prompts[(int)r]).ToArray());

        public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state)
        {
            var next = ((Rows)state).Tokens.Select((row, i) => row.Append(tokens[i]).ToArray()).ToArray();
            var logits = Tensor.Zeros(next.Length, TargetVocabSize);                                         // (B, V)
            for (int i = 0; i < next.Length; i++)
            {
                var full = lm.Logits(new IndexTensor(next[i], 1, next[i].Length)).ToArray();                 // (1, L, V)
                full.AsSpan((next[i].Length - 1) * TargetVocabSize, TargetVocabSize).CopyTo(logits.Span.Slice(i * TargetVocabSize));
            }
            return new StepResult(logits, null, new Rows(next));
        }
    }
}
