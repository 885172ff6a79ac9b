using EncDec.IO;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Training;

/// <summary>Checkpoint resume metadata is typed and range-checked: every malformed value is one line naming the file.</summary>
public sealed class ResumeStateTests
{
    private static Dictionary<string, string> Good() => new()
    {
        ["epoch"] = "2", ["batch_in_epoch"] = "7", ["best"] = "1.5", ["bad_validations"] = "1", ["skipped"] = "0", ["losses"] = "[3.5,2.25]",
    };

    [Fact]
    public void Reads_the_counters_a_trainer_writes()
    {
        var s = ResumeState.Parse(Good(), "c.safetensors");
        Assert.Equal(new ResumeState(2, 7, 1.5, 1, 0, s.Losses), s);
        Assert.Equal([3.5, 2.25], s.Losses);
        var empty = ResumeState.Parse(new Dictionary<string, string> { ["best"] = "" }, "c");
        Assert.Equal((0, 0, (double?)null, 0), (empty.Epoch, empty.BatchInEpoch, empty.Best, empty.Losses.Count));
    }

    [Theory]
    [InlineData("epoch", "two", "is not a non-negative integer")]
    [InlineData("epoch", "99999999999", "is not a non-negative integer")]
    [InlineData("batch_in_epoch", "-1", "is not a non-negative integer")]
    [InlineData("skipped", "1.5", "is not a non-negative integer")]
    [InlineData("best", "NaN", "is not a finite number")]
    [InlineData("best", "abc", "is not a finite number")]
    [InlineData("losses", "{\"a\":1}", "is not a JSON array")]
    [InlineData("losses", "[1,", "is not a JSON array")]
    [InlineData("losses", "[1,\"x\"]", "not a finite number")]
    [InlineData("losses", "[1e999]", "not a finite number")]
    public void Malformed_values_are_refused_naming_the_file_and_key(string key, string value, string fragment)
    {
        var extra = Good();
        extra[key] = value;
        var e = Assert.Throws<UserInputException>(() => ResumeState.Parse(extra, "run/checkpoints/step_00000010.safetensors"));
        Assert.StartsWith($"run/checkpoints/step_00000010.safetensors: checkpoint metadata 'extra.{key}'", e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("encdec.step", "-3", "encdec.step")]
    [InlineData("encdec.rng.global", "{\"S0\":0,\"S1\":0,\"S2\":0,\"S3\":0}", "all zeros")]
    [InlineData("encdec.rng.global", "[1]", "is not valid")]
    [InlineData("encdec.optim", "{\"Options\":null,\"StepCount\":1,\"Lr\":0.1,\"Groups\":[],\"ParamSteps\":{}}", "incomplete")]
    [InlineData("encdec.optim", "{\"Options\":{\"Kind\":9,\"Lr\":0.1},\"StepCount\":1,\"Lr\":0.1,\"Groups\":[],\"ParamSteps\":{}}", "unknown optimizer kind")]
    [InlineData("encdec.optim", "{\"Options\":{\"Kind\":1,\"Lr\":0.1},\"StepCount\":-1,\"Lr\":0.1,\"Groups\":[],\"ParamSteps\":{}}", "negative")]
    [InlineData("encdec.optim", "{\"Options\":{\"Kind\":1,\"Lr\":0.1},\"StepCount\":1,\"Lr\":0.1,\"Groups\":[null],\"ParamSteps\":{}}", "group is null")]
    [InlineData("encdec.optim", "{\"Options\":{\"Kind\":1,\"Lr\":0.1,\"Beta1\":1.5},\"StepCount\":1,\"Lr\":0.1,\"Groups\":[],\"ParamSteps\":{}}", "betas")]
    public void Malformed_checkpoint_metadata_is_refused(string key, string value, string fragment)
    {
        var meta = new Dictionary<string, string> { ["encdec.format"] = "1", ["encdec.step"] = "4", [key] = value };
        var e = Assert.Throws<UserInputException>(() => Checkpoint.FromSafeTensors(new Dictionary<string, Tensor>(), meta, "c.safetensors"));
        Assert.StartsWith("c.safetensors: ", e.Message);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void A_checkpoint_with_bad_counters_is_unreadable_to_the_store_so_the_previous_one_is_used()
    {
        using var dir = new TempDir();
        using var _ = TensorScope.Suspend();
        var path = dir.File("step_00000002.safetensors");
        new Checkpoint
        {
            Model = new Dictionary<string, Tensor> { ["w"] = Tensor.Zeros(2) },
            GlobalStep = 2,
            Extra = new Dictionary<string, string> { ["batch_in_epoch"] = "-4" },
        }.Save(path);
        var e = Assert.Throws<UserInputException>(() => SafeTensorsCheckpointStore.Instance.Load(path));
        Assert.Contains("'extra.batch_in_epoch' = '-4'", e.Message);
    }

    [Fact]
    public void An_optimizer_state_for_other_parameters_is_a_user_error()
    {
        using var _ = TensorScope.Suspend();
        var w = Tensor.Zeros(2, 3);
        var other = Optimizer.Create(new OptimizerOptions(OptimizerKind.Adam, 1e-3), [("v", Tensor.Zeros(2))]).StateDict();
        var mine = Optimizer.Create(new OptimizerOptions(OptimizerKind.Adam, 1e-3), [("w", w)]);
        var e = Assert.Throws<UserInputException>(() => ResumeState.LoadOptimizer(mine, other, "c.safetensors"));
        Assert.StartsWith("c.safetensors: the optimizer state does not fit this run", e.Message);
    }
}
