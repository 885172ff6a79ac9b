using EncDec.IO;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Tests.Optim;
using Xunit;

namespace EncDec.Tests.IO;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "encdec-ckpt-" + Guid.NewGuid().ToString("N"));

    public CheckpointTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static Dictionary<string, Tensor> Weights(OptimizerParityTests.TinyModel m) => new()
    {
        ["encoder.w1"] = m.W1, ["decoder.w2"] = m.W2, ["decoder.b"] = m.B, ["unused"] = m.Unused,
    };

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd_nesterov")]
    [InlineData("adagrad")]
    public void SaveLoadResumesBitExactly(string config)
    {
        var (options, wd1, schedule) = OptimizerParityTests.Config(config);
        var a = new OptimizerParityTests.TinyModel();
        var optA = Optimizer.Create(options, a.Groups(wd1));
        var schA = new Scheduler(optA, LrSchedule.Create(schedule));
        var rng = new Rng(7);
        for (int i = 0; i < 5; i++) { a.TrainStep(optA, schA); rng.NextNormal(); }

        var path = Path.Combine(_dir, "ckpt.safetensors");
        var ckpt = new Checkpoint
        {
            Model = Weights(a),
            ConfigJson = "{\"d_model\":8,\"name\":\"tiny\"}",
            Vocabularies = new Dictionary<string, string> { ["source"] = "{\"tokens\":[\"<pad>\",\"a\"]}", ["target"] = "{}" },
            Optimizer = optA.StateDict(),
            GlobalStep = optA.StepCount,
            RngStates = new Dictionary<string, RngState> { ["dropout"] = rng.GetState() },
            Extra = new Dictionary<string, string> { ["note"] = "x" },
        };
        ckpt.Save(path);
        var loaded = Checkpoint.Load(path);

        Assert.Equal(ckpt.ConfigJson, loaded.ConfigJson);
        Assert.Equal(ckpt.Vocabularies, loaded.Vocabularies);
        Assert.Equal(ckpt.Extra, loaded.Extra);
        Assert.Equal(5, loaded.GlobalStep);
        Assert.Equal(rng.GetState(), loaded.RngStates["dropout"]);
        Assert.NotNull(rng.GetState().Spare); // the cached Box-Muller value round-trips too
        foreach (var (k, t) in ckpt.Model) Assert.Equal(t.ToArray(), loaded.Model[k].ToArray());
        var so = ckpt.Optimizer!; var lo = loaded.Optimizer!;
        Assert.Equal(so.Options, lo.Options);
        Assert.Equal(so.StepCount, lo.StepCount);
        Assert.Equal(so.Lr, lo.Lr);
        Assert.Equal(so.Groups.Count, lo.Groups.Count);
        for (int g = 0; g < so.Groups.Count; g++)
        {
            Assert.Equal(so.Groups[g].ParamNames, lo.Groups[g].ParamNames);
            Assert.Equal((so.Groups[g].Lr, so.Groups[g].LrScale, so.Groups[g].WeightDecay), (lo.Groups[g].Lr, lo.Groups[g].LrScale, lo.Groups[g].WeightDecay));
        }
        Assert.Equal(so.State.Keys.Order(), lo.State.Keys.Order());
        foreach (var (name, ps) in so.State)
        {
            Assert.Equal(ps.Step, lo.State[name].Step);
            Assert.Equal(ps.Slots.Keys.Order(), lo.State[name].Slots.Keys.Order());
            foreach (var (slot, t) in ps.Slots) Assert.Equal(t.ToArray(), lo.State[name].Slots[slot].ToArray());
        }

        // Restore into a fresh model and optimizer; both runs continue identically.
        var b = new OptimizerParityTests.TinyModel();
        var report = StateDict.LoadInto(loaded.Model, Weights(b));
        Assert.True(report.IsClean);
        var optB = Optimizer.Create(options, b.Groups(wd1));
        optB.LoadStateDict(loaded.Optimizer!);
        var schB = new Scheduler(optB, LrSchedule.Create(schedule));
        var rngB = new Rng(0);
        rngB.SetState(loaded.RngStates["dropout"]);
        for (int i = 0; i < 5; i++)
        {
            a.TrainStep(optA, schA); b.TrainStep(optB, schB);
            Assert.Equal(rng.NextNormal(), rngB.NextNormal());
        }
        foreach (var (k, t) in Weights(a)) Assert.Equal(t.ToArray(), Weights(b)[k].ToArray());
    }

    [Fact]
    public void LoadIntoReportsMissingUnexpectedAndMisshaped()
    {
        Tensor T(params int[] shape) { using (TensorScope.Suspend()) return Tensor.ZerosPersistent(shape); }
        var source = new Dictionary<string, Tensor> { ["a"] = T(2, 3), ["b"] = T(4), ["extra.weight"] = T(1) };
        var target = new Dictionary<string, Tensor> { ["a"] = T(2, 3), ["b"] = T(5), ["missing.bias"] = T(7) };
        source["a"].Span.Fill(1.5f);
        var e = Assert.Throws<UserInputException>(() => StateDict.LoadInto(source, target, strict: true, sourcePath: "m.safetensors"));
        Assert.StartsWith("m.safetensors: ", e.Message);
        Assert.Contains("missing: missing.bias", e.Message);
        Assert.Contains("unexpected: extra.weight", e.Message);
        Assert.Contains("b: expected (5), found (4)", e.Message);
        Assert.Equal(0f, target["a"].ToArray()[0]); // strict failure copies nothing

        var report = StateDict.LoadInto(source, target, strict: false);
        Assert.Equal(new[] { "missing.bias" }, report.Missing);
        Assert.Equal(new[] { "extra.weight" }, report.Unexpected);
        Assert.Equal("b", report.Mismatched.Single().Name);
        Assert.Equal(1.5f, target["a"].ToArray()[5]);
    }

    [Fact]
    public void LoadRejectsForeignAndCorruptFiles()
    {
        Tensor one; using (TensorScope.Suspend()) one = Tensor.FromArray(new[] { 1f });
        var plain = Path.Combine(_dir, "plain.safetensors");
        SafeTensors.Save(plain, new Dictionary<string, Tensor> { ["model.x"] = one });
        Assert.Contains("not an EncDec checkpoint", Assert.Throws<UserInputException>(() => Checkpoint.Load(plain)).Message);

        var badRng = Path.Combine(_dir, "badrng.safetensors");
        SafeTensors.Save(badRng, new Dictionary<string, Tensor> { ["model.x"] = one },
            new Dictionary<string, string> { ["encdec.format"] = "1", ["encdec.step"] = "3", ["encdec.rng.dropout"] = "{not json" });
        var e = Assert.Throws<UserInputException>(() => Checkpoint.Load(badRng));
        Assert.Contains(badRng, e.Message);
        Assert.Contains("encdec.rng.dropout", e.Message);

        var orphan = Path.Combine(_dir, "orphan.safetensors");
        SafeTensors.Save(orphan, new Dictionary<string, Tensor> { ["model.x"] = one, ["optim.state.x.exp_avg"] = one },
            new Dictionary<string, string> { ["encdec.format"] = "1", ["encdec.step"] = "3" });
        Assert.Contains("no 'encdec.optim' metadata", Assert.Throws<UserInputException>(() => Checkpoint.Load(orphan)).Message);

        var stray = Path.Combine(_dir, "stray.safetensors");
        SafeTensors.Save(stray, new Dictionary<string, Tensor> { ["weird"] = one },
            new Dictionary<string, string> { ["encdec.format"] = "1", ["encdec.step"] = "0" });
        Assert.Contains("unexpected tensor 'weird'", Assert.Throws<UserInputException>(() => Checkpoint.Load(stray)).Message);
    }
}
