using System.Diagnostics;
using EncDec.Data;
using EncDec.Optim;
using Xunit;
using Xunit.Abstractions;

namespace EncDec.Tests.Models;

/// <summary>
/// End-to-end learning checks: small Transformer and LSTM+Bahdanau models trained with the <c>Trainer</c>
/// solve copy and reverse (length 3–6 over 8 symbols) perfectly on held-out sequences, and reach a high exact match on
/// a reduced date-normalisation task, with greedy decoding through <c>SequenceGenerator</c>.
/// </summary>
[Collection(LearningCollection.Name)]
public sealed class ToyTaskTests(ITestOutputHelper output)
{
    private void Log(string what, double exact, TimeSpan t) => output.WriteLine($"{what}: exact match {exact:P1} in {t.TotalSeconds:F1} s");

    [Theory]
    [InlineData(SyntheticTask.Copy, 64, 1400)]   // 1,000 steps left copy at 95.5% with OpenBLAS's SkylakeX kernels (rounding-dependent)
    [InlineData(SyntheticTask.Reverse, 64, 1400)]
    public void Transformer_SolvesSymbolTask(SyntheticTask task, int d, int steps)
    {
        var clock = Stopwatch.StartNew();
        var (train, test) = ModelTestKit.SymbolTask(task, 4000, 200, seed: 11);
        var config = ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: d, heads: 2, ffn: 2 * d, layers: 1);
        var (model, result) = ModelTestKit.Train(config, train, ModelTestKit.Options(steps: steps, lr: 3e-3, warmup: 30), batchSize: 32);
        double exact = ModelTestKit.GreedyExactMatch(model, test);
        Log($"transformer {task}", exact, clock.Elapsed);
        Assert.Equal(0, result.SkippedSteps);
        Assert.Equal(1.0, exact);
    }

    [Theory]
    [InlineData(SyntheticTask.Copy)]
    [InlineData(SyntheticTask.Reverse)]
    public void LstmBahdanau_SolvesSymbolTask(SyntheticTask task)
    {
        var clock = Stopwatch.StartNew();
        var (train, test) = ModelTestKit.SymbolTask(task, 4000, 200, seed: 12);
        var config = ModelTestKit.Lstm(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, emb: 32, hidden: 64);
        var (model, result) = ModelTestKit.Train(config, train, ModelTestKit.Options(steps: 700, lr: 5e-3, warmup: 20), batchSize: 32);
        double exact = ModelTestKit.GreedyExactMatch(model, test);
        Log($"lstm+bahdanau {task}", exact, clock.Elapsed);
        Assert.Equal(0, result.SkippedSteps);
        Assert.Equal(1.0, exact);
    }

    [Fact]
    public void Transformer_LearnsDates()
    {
        var clock = Stopwatch.StartNew();
        var (train, test, src, tgt) = ModelTestKit.Dates(6000, 200, seed: 21);
        var config = ModelTestKit.Transformer(src.Vocab.Count, tgt.Vocab.Count, d: 64, heads: 4, ffn: 128, layers: 1);
        var options = ModelTestKit.Options(steps: 1200, lr: 3e-3, warmup: 60, schedule: LrScheduleKind.Linear);
        var (model, _) = ModelTestKit.Train(config, train, options, batchSize: 64);
        double exact = ModelTestKit.GreedyExactMatch(model, test);
        Log("transformer dates", exact, clock.Elapsed);
        Assert.True(exact >= 0.9, $"exact match {exact:P1}");
    }

    [Fact]
    public void LstmBahdanau_LearnsDates()
    {
        var clock = Stopwatch.StartNew();
        var (train, test, src, tgt) = ModelTestKit.Dates(6000, 200, seed: 22);
        var config = ModelTestKit.Lstm(src.Vocab.Count, tgt.Vocab.Count, emb: 32, hidden: 64);
        var (model, _) = ModelTestKit.Train(config, train, ModelTestKit.Options(steps: 350, lr: 5e-3, warmup: 20), batchSize: 64);
        double exact = ModelTestKit.GreedyExactMatch(model, test);
        Log("lstm+bahdanau dates", exact, clock.Elapsed);
        Assert.True(exact >= 0.9, $"exact match {exact:P1}");
    }
}
