using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Tests.Models;
using EncDec.Text;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Training;

/// <summary>The masked-LM loop: it learns co-occurrence, is deterministic, and its validation is reproducible.</summary>
[Collection(LearningCollection.Name)]
public sealed class MlmTrainerTests
{
    private const int Words = 40, Classes = 4, First = Vocabulary.SpecialCount, Vocab = First + Words;

    /// <summary>Sentences whose words all come from one class (word % 4), so a masked word is predictable from the others.</summary>
    private static List<int[]> Corpus(int count, int seed)
    {
        var rng = new Rng((ulong)seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            int c = rng.NextInt(Classes);
            return Enumerable.Range(0, 5 + rng.NextInt(4)).Select(_ => First + c + Classes * rng.NextInt(Words / Classes)).ToArray();
        }).ToList();
    }

    private static (MlmTrainer Trainer, TrainResult Result) Train(int steps, int accumulation = 1)
    {
        var config = new ModelConfig { Family = ModelFamily.EncoderOnly, SrcVocabSize = Vocab, DModel = 32, Heads = 2, FeedForward = 64, EncoderLayers = 1, Dropout = 0f, Seed = 5 };
        var model = (EncoderOnlyModel)ModelFactory.Build(config);
        var options = ModelTestKit.Options(steps, lr: 3e-3, warmup: 10) with { GradAccumulation = accumulation, ValidEvery = steps / 2 };
        var trainer = new MlmTrainer(model, options, new MlmOptions(Vocab, First, Vocabulary.MaskId, 0.3), Corpus(2000, 1), Corpus(200, 2),
                                     new EncDec.Data.BatcherOptions { BatchSize = 64 });
        return (trainer, trainer.Train());
    }

    [Fact]
    public void LearnsToPredictMaskedWords_Deterministically()
    {
        var (trainer, result) = Train(80);
        Assert.Equal(80, result.Steps);
        Assert.Equal(0, result.SkippedSteps);
        Assert.NotNull(result.BestValidation);
        double first = result.Losses.Take(5).Average(), last = result.Losses.TakeLast(10).Average();
        Assert.True(first > 0.8 * Math.Log(Vocab), $"first loss {first}");
        // a masked word's class is visible from its neighbours: 10 candidates instead of 40 (ln 10 = 2.3)
        Assert.True(last < 0.75 * first, $"loss {first:F3} → {last:F3}");
        Assert.Equal(trainer.Validate().Loss, trainer.Validate().Loss);       // validation masks with a fixed seed

        var (_, again) = Train(80);
        Assert.Equal(result.Losses, again.Losses);
    }

    [Fact]
    public void Accumulation_CountsOneStepPerUpdate()
    {
        var (trainer, result) = Train(6, accumulation: 3);
        Assert.Equal(6, result.Steps);
        Assert.Equal(6, trainer.Optimizer.StepCount);
        Assert.IsType<Adam>(trainer.Optimizer);
    }
}
