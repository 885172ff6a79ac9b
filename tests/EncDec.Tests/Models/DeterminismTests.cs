using EncDec.Data;
using EncDec.Generation;
using EncDec.Models;
using Xunit;

namespace EncDec.Tests.Models;

/// <summary>Training and greedy decoding are deterministic functions of the seeds, whatever ran before in the process.</summary>
[Collection(LearningCollection.Name)]
public sealed class DeterminismTests
{
    private static (List<double> Losses, List<int[]> Outputs) TrainAndDecode(IReadOnlyList<Example> train, IReadOnlyList<Example> test)
    {
        var config = ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 32, heads: 2, ffn: 64, layers: 1, dropout: 0.1f);
        var (model, result) = ModelTestKit.Train(config, train, ModelTestKit.Options(steps: 120, lr: 3e-3, warmup: 30));
        model.Eval();
        var outs = SequenceGenerator.Generate((ISeq2SeqModel)model, test.Select(e => e.Src).ToList(), new GenerationOptions { MaxLength = 10 })
                                    .Select(r => r.Best.Tokens).ToList();
        return (result.Losses.ToList(), outs);
    }

    [Fact]
    public void SameSeeds_GiveBitIdenticalLossesAndOutputs_AfterOtherWork()
    {
        var (train, test) = ModelTestKit.SymbolTask(SyntheticTask.Copy, 2000, 100, seed: 31);
        var a = TrainAndDecode(train, test);
        // unrelated work in between: another model family, other shapes, pooled buffers reused
        var (trainR, testR) = ModelTestKit.SymbolTask(SyntheticTask.Reverse, 500, 50, seed: 32);
        var (lstm, _) = ModelTestKit.Train(ModelTestKit.Lstm(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, dropout: 0.3f), trainR,
                                           ModelTestKit.Options(steps: 30, lr: 3e-3));
        ModelTestKit.GreedyExactMatch(lstm, testR);
        var b = TrainAndDecode(train, test);
        Assert.Equal(a.Losses, b.Losses);
        for (int i = 0; i < test.Count; i++) Assert.Equal(a.Outputs[i], b.Outputs[i]);
    }
}
