using EncDec.Data;
using EncDec.Generation;
using EncDec.IO;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Models;

/// <summary>
/// Every RNN variant (cell × attention / fixed context) builds, trains a few steps and decodes incrementally exactly
/// as it does teacher-forced; configs survive JSON; a model file written by <see cref="ModelStore"/> reloads to a
/// model with identical logits.
/// </summary>
[Collection(LearningCollection.Name)]
public sealed class ModelVariantTests
{
    public static TheoryData<RnnCellKind, AttentionKind, ContextKind, bool> RnnVariants()
    {
        var data = new TheoryData<RnnCellKind, AttentionKind, ContextKind, bool>();
        foreach (var cell in new[] { RnnCellKind.Lstm, RnnCellKind.Gru, RnnCellKind.Rnn })
        {
            data.Add(cell, AttentionKind.None, ContextKind.LastState, true);
            data.Add(cell, AttentionKind.None, ContextKind.MeanState, true);
            data.Add(cell, AttentionKind.Bahdanau, ContextKind.LastState, true);
            data.Add(cell, AttentionKind.LuongDot, ContextKind.LastState, false);   // dot needs encoder size == decoder size
            data.Add(cell, AttentionKind.LuongGeneral, ContextKind.LastState, true);
            data.Add(cell, AttentionKind.LuongConcat, ContextKind.LastState, true);
        }
        return data;
    }

    private static ModelConfig Rnn(RnnCellKind cell, AttentionKind attention, ContextKind context, bool bidirectional) =>
        ModelTestKit.Lstm(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, emb: 8, hidden: 12, dropout: 0.1f, seed: 9,
                          attention: attention, cell: cell, bidirectional: bidirectional, context: context)
        with { EncoderLayers = 2, DecoderLayers = 2 };

    /// <summary>A padded batch of the first <paramref name="n"/> examples.</summary>
    private static Batch FirstBatch(IReadOnlyList<Example> ex, int n) => Batch.Create(ex, Enumerable.Range(0, n).ToArray());

    /// <summary>
    /// Eval-mode logits of the teacher-forced pass (B, T, V) vs. the incremental DecodeStep path fed the same gold
    /// inputs; returns the largest absolute difference.
    /// </summary>
    internal static double IncrementalVsTeacherForced(ITeacherForcedModel model, Batch b)
    {
        ((Module)model).Eval();
        using var _ = GradMode.NoGrad();
        var src = new IndexTensor(b.Src, b.B, b.S);
        var (logits, _) = model.Forward(src, b.SrcLengths, new IndexTensor(b.TgtIn, b.B, b.T));    // (B, T, V)
        var full = logits.ToArray();
        int v = model.TargetVocabSize;
        var enc = model.Encode(src, b.SrcLengths);
        var state = model.InitialState(enc);
        double worst = 0;
        for (int t = 0; t < b.T; t++)
        {
            var tokens = Enumerable.Range(0, b.B).Select(i => b.TgtIn[i * b.T + t]).ToArray();
            var step = model.DecodeStep(tokens, t, enc, state);                                       // (B, V)
            var sl = step.Logits.ToArray();
            for (int i = 0; i < b.B; i++)
            {
                if (t >= b.TgtLengths[i]) continue;   // positions after a row's end see padding inputs
                for (int k = 0; k < v; k++) worst = Math.Max(worst, Math.Abs(sl[i * v + k] - full[(i * b.T + t) * v + k]));
            }
            state = step.Next;
        }
        ((Module)model).Train();
        return worst;
    }

    [Theory]
    [MemberData(nameof(RnnVariants))]
    public void RnnVariant_BuildsTrainsAndDecodesConsistently(RnnCellKind cell, AttentionKind attention, ContextKind context, bool bidirectional)
    {
        var (train, test) = ModelTestKit.SymbolTask(SyntheticTask.Reverse, 64, 4, seed: 8);
        var config = Rnn(cell, attention, context, bidirectional);
        var model = (EncoderDecoder)ModelFactory.Build(config);
        var before = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        var trainer = new Trainer(model, ModelTestKit.Options(4, lr: 1e-2, warmup: 1), train, null, new BatcherOptions { BatchSize = 16 });
        var result = trainer.Train();
        Assert.Equal(4, result.Steps);
        Assert.Equal(0, result.SkippedSteps);
        Assert.All(result.Losses, l => Assert.True(double.IsFinite(l) && l > 0));
        Assert.All(model.NamedParameters(), p => Assert.False(p.Param.ToArray().AsSpan().SequenceEqual(before[p.Name]), $"{p.Name} not trained"));

        var b = FirstBatch(test, 4);
        var (logits, attn) = model.Forward(new IndexTensor(b.Src, b.B, b.S), b.SrcLengths, new IndexTensor(b.TgtIn, b.B, b.T));
        Assert.Equal(new[] { b.B, b.T, ModelTestKit.SymbolVocab }, logits.Shape);
        if (attention == AttentionKind.None) Assert.Null(attn);
        else Assert.Equal(new[] { b.B, b.T, b.S }, attn!.Shape);
        Assert.True(IncrementalVsTeacherForced(model, b) < 1e-5);

        var gen = SequenceGenerator.Generate(model, test.Select(e => e.Src).ToList(), new GenerationOptions { MaxLength = 10 });
        Assert.All(gen, g => Assert.True(g.Hypotheses.Count == 1 && g.Best.Tokens.Length <= 10));
    }

    [Fact]
    public void Transformer_IncrementalDecodingMatchesTeacherForced()
    {
        var (_, test) = ModelTestKit.SymbolTask(SyntheticTask.Reverse, 1, 8, seed: 8);
        foreach (var norm in new[] { NormPosition.Post, NormPosition.Pre })
        {
            var config = ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 16, heads: 4, ffn: 32, layers: 2, dropout: 0.1f) with { Norm = norm };
            var model = (EncoderDecoder)ModelFactory.Build(config);
            Assert.True(IncrementalVsTeacherForced(model, FirstBatch(test, 8)) < 1e-5);
        }
    }

    public static TheoryData<string> Configs() => new() { "transformer", "rnn", "encoder", "decoder" };

    private static ModelConfig NonDefault(string kind) => kind switch
    {
        "transformer" => new ModelConfig
        {
            Family = ModelFamily.Transformer, SrcVocabSize = 100, TgtVocabSize = 100, DModel = 48, Heads = 6, FeedForward = 96,
            EncoderLayers = 2, DecoderLayers = 1, Dropout = 0.25f, Activation = Activation.Gelu, Norm = NormPosition.Pre,
            Positional = PositionalKind.Learned, MaxPositions = 77, ShareEmbeddings = true, TieOutput = true, PadId = 0, Seed = 42,
        },
        "rnn" => new ModelConfig
        {
            Family = ModelFamily.Rnn, SrcVocabSize = 30, TgtVocabSize = 40, DModel = 20, HiddenSize = 20, Cell = RnnCellKind.Gru,
            Bidirectional = false, Attention = AttentionKind.LuongConcat, Context = ContextKind.MeanState, InputFeeding = false,
            TieOutput = true, EncoderLayers = 1, DecoderLayers = 3, Dropout = 0f, Seed = 7,
        },
        "encoder" => new ModelConfig { Family = ModelFamily.EncoderOnly, SrcVocabSize = 50, DModel = 16, Heads = 2, FeedForward = 32, NumClasses = 3 },
        _ => new ModelConfig { Family = ModelFamily.DecoderOnly, TgtVocabSize = 50, DModel = 16, Heads = 2, FeedForward = 32, DecoderLayers = 2 },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void ModelConfig_JsonRoundTrip(string kind)
    {
        var c = NonDefault(kind);
        var json = c.ToJson();
        var back = ModelConfig.FromJson(json);
        Assert.Equal(c, back);
        Assert.Equal(json, back.ToJson());
        Assert.Contains("\"family\":", json);       // snake_case names, enum names as strings
        // the same config builds the same parameters
        var p1 = ModelFactory.Build(c).StateDict();
        var p2 = ModelFactory.Build(back).StateDict();
        Assert.Equal(p1.Keys.Order(), p2.Keys.Order());
        foreach (var (k, t) in p1) Assert.True(t.ToArray().AsSpan().SequenceEqual(p2[k].ToArray()), k);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ModelStore_ReloadGivesIdenticalLogits(bool rnn)
    {
        var (train, test) = ModelTestKit.SymbolTask(SyntheticTask.Copy, 64, 6, seed: 10);
        var config = rnn ? Rnn(RnnCellKind.Lstm, AttentionKind.Bahdanau, ContextKind.LastState, true)
                         : ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 16, heads: 2, ffn: 32, layers: 2, dropout: 0.1f);
        var model = ModelFactory.Build(config);
        new Trainer(model, ModelTestKit.Options(3, lr: 1e-2, warmup: 1), train, null, new BatcherOptions { BatchSize = 16 }).Train();
        using var dir = new TempDir();
        var path = dir.File("model.safetensors");
        ModelStore.Save(path, model, config, null, null, step: 3);
        var loaded = ModelStore.Load(dir.Path);
        Assert.Equal(config, loaded.Config);
        Assert.Equal(3, loaded.Step);

        var b = FirstBatch(test, 6);
        model.Eval();
        using var _ = GradMode.NoGrad();
        float[] Logits(Module m) => ((ITeacherForcedModel)m).Forward(new IndexTensor(b.Src, b.B, b.S), b.SrcLengths, new IndexTensor(b.TgtIn, b.B, b.T)).Logits.ToArray();
        Assert.True(Logits(model).AsSpan().SequenceEqual(Logits(loaded.Model)));
    }
}
