using EncDec.Cli;
using EncDec.Data;
using EncDec.Models;
using EncDec.Tests.Models;
using EncDec.Training;
using Xunit;
using Xunit.Abstractions;

namespace EncDec.Tests.Cli;

/// <summary>
/// With the CLI defaults (k and c derived from --max-steps), each scheduled-sampling decay spans the whole run, and the
/// fraction of decoder inputs the trainer actually replaced by predictions follows 1 − ε_i.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ScheduledSamplingCliTests(ITestOutputHelper output)
{
    private const int Steps = 40;

    private static TrainPlan Plan(params string[] flags)
    {
        using var d = new TempDir();
        var r = CliRunner.Ok(["train", "--print-config", "--model", "rnn", "--d-model", "16", "--hidden-size", "16", "--layers", "1", "--dropout", "0",
                              "--batch-size", "64", "--max-steps", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--valid-every", "0",
                              "--checkpoint-every", "0", .. flags]);
        return TrainPlan.Resolve(TrainSpec.FromYaml(d.Write("s.yaml", r.Stdout)), ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, jointVocab: true);
    }

    /// <summary>(ε_i, fed-prediction fraction) of every step of a short run.</summary>
    private List<(double Gold, double Fed)> Run(TrainPlan plan)
    {
        var (train, _) = ModelTestKit.SymbolTask(SyntheticTask.Copy, 600, 1, seed: 5);
        var model = ModelFactory.Build(plan.Model);
        var trainer = new Trainer(model, plan.Trainer, train, null, plan.Batching);
        var steps = new List<(double, double)>();
        trainer.StepCompleted += s => steps.Add((s.GoldProbability, s.FedPredictionFraction));
        trainer.Train();
        Assert.Equal(Steps, steps.Count);
        return steps;
    }

    private void AssertFollows(List<(double Gold, double Fed)> steps)
    {
        double meanError = steps.Average(s => Math.Abs(s.Fed - (1 - s.Gold)));
        output.WriteLine(string.Join(" ", steps.Select(s => $"{s.Gold:F2}/{s.Fed:F2}")));
        output.WriteLine($"mean |fed − (1 − ε)| = {meanError:F4}");
        Assert.All(steps, s => Assert.True(Math.Abs(s.Fed - (1 - s.Gold)) < 0.12, $"ε {s.Gold:F3}: fed {s.Fed:F3}"));
        Assert.True(meanError < 0.04, $"mean error {meanError}");
    }

    [Fact]
    public void Linear_DecaysFromOneToTheMinimumAtTheLastStep()
    {
        var plan = Plan("--scheduled-sampling", "linear");
        Assert.Equal(SamplingDecay.Linear, plan.Trainer.ScheduledSampling.Decay);
        var steps = Run(plan);
        Assert.Equal(1.0, steps[0].Gold, 12);
        Assert.Equal(0.5, steps[(Steps - 1) / 2].Gold, 1);
        Assert.Equal(0.0, steps[^1].Gold, 12);
        Assert.Equal(0.0, steps[0].Fed);
        AssertFollows(steps);
    }

    [Fact]
    public void Exponential_ReachesOnePercentAtTheLastStep()
    {
        var steps = Run(Plan("--scheduled-sampling", "exponential"));
        Assert.Equal(1.0, steps[0].Gold, 12);
        Assert.Equal(0.01, steps[^1].Gold, 9);
        Assert.Equal(0.1, steps[(Steps - 1) / 2].Gold, 1);              // 0.01^(19.5/39) = 0.1
        AssertFollows(steps);
    }

    [Fact]
    public void InverseSigmoid_HasItsMidpointAtHalfTheRun()
    {
        var steps = Run(Plan("--scheduled-sampling", "inverse-sigmoid"));
        Assert.Equal(0.5, steps[Steps / 2].Gold, 6);
        Assert.True(steps[0].Gold > 0.85, $"ε_0 = {steps[0].Gold}");
        Assert.True(steps[^1].Gold < 0.25, $"ε_last = {steps[^1].Gold}");
        AssertFollows(steps);
    }

    [Fact]
    public void SamplingMin_IsTheFloor_AndKCOverrideTheDefaults()
    {
        var floor = Plan("--scheduled-sampling", "linear", "--sampling-min", "0.3").Trainer.ScheduledSampling;
        Assert.Equal(0.3, floor.GoldProbability(Steps - 1), 12);
        Assert.Equal(0.3, floor.GoldProbability(10 * Steps), 12);
        Assert.Equal(1 - 0.7 * 13 / (Steps - 1), floor.GoldProbability(13), 12);
        var given = Plan("--scheduled-sampling", "linear", "--sampling-k", "0.9", "--sampling-c", "0.1").Trainer.ScheduledSampling;
        Assert.Equal((0.9, 0.1), (given.K, given.C));
        Assert.Equal(0.4, given.GoldProbability(5), 12);
        Assert.Equal(SamplingDecay.None, Plan().Trainer.ScheduledSampling.Decay);
        Assert.Equal(1.0, Plan().Trainer.ScheduledSampling.GoldProbability(Steps));
    }
}
