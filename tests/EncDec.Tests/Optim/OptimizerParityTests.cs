using System.Text.Json;
using EncDec.Optim;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Optim;

/// <summary>
/// Replays tests/fixtures/make_optim_fixtures.py (PyTorch 1.13): two parameter groups (group 1 at half the lr),
/// an LR schedule, clip_grad_norm_(1.0) and 10 steps per optimizer; parameters must match after every step.
/// </summary>
public class OptimizerParityTests
{
    internal static Dictionary<string, (int[] Shape, double[] Data)> Fixture { get; } = LoadFixture();

    private static Dictionary<string, (int[] Shape, double[] Data)> LoadFixture()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "optim.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var r = new Dictionary<string, (int[], double[])>();
        foreach (var p in doc.RootElement.EnumerateObject())
            r[p.Name] = (p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                         p.Value.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray());
        return r;
    }

    internal static Tensor FixtureTensor(string name)
    {
        var (shape, data) = Fixture[name];
        using (TensorScope.Suspend()) return Tensor.FromArray(data.Select(d => (float)d).ToArray(), shape);
    }

    /// <summary>The fixture's model: fresh parameter copies, x, y.</summary>
    internal sealed class TinyModel
    {
        public Tensor W1 = FixtureTensor("init.w1").RequiresGrad_(), W2 = FixtureTensor("init.w2").RequiresGrad_(),
            B = FixtureTensor("init.b").RequiresGrad_(), Unused = FixtureTensor("init.unused").RequiresGrad_();
        public readonly Tensor X = FixtureTensor("data.x"), Y = FixtureTensor("data.y");

        public Tensor[] All => new[] { W1, W2, B, Unused };

        public ParamGroup[] Groups(double? wd1) => new[]
        {
            new ParamGroup(new[] { ("w1", W1) }),
            new ParamGroup(new[] { ("w2", W2), ("b", B), ("unused", Unused) }, lrScale: 0.5, weightDecay: wd1),
        };

        /// <summary>One training step: forward, backward, clip, schedule, update; returns the clip norm.</summary>
        public double TrainStep(Optimizer opt, Scheduler sched, double maxNorm = 1.0)
        {
            using var scope = TensorScope.Begin();
            opt.ZeroGrad();
            var d = X.MatMul(W1).Tanh().MatMul(W2) + B - Y;
            var loss = (d * d).Mean();
            loss.Backward();
            double norm = GradClip.ClipGradNorm(All, maxNorm);
            sched.Update();
            opt.Step();
            return norm;
        }
    }

    internal static (OptimizerOptions Options, double? Wd1, LrScheduleConfig Schedule) Config(string name)
    {
        var step = new LrScheduleConfig(LrScheduleKind.Step, StepSize: 3, Gamma: 0.5);
        var inv = new LrScheduleConfig(LrScheduleKind.InverseSqrt, WarmupSteps: 4);
        return name switch
        {
            "sgd_momentum" => (new(OptimizerKind.Sgd, 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 0.01), null, step with { Lr = 0.1 }),
            "sgd_nesterov" => (new(OptimizerKind.Sgd, 0.05, Momentum: 0.9, Nesterov: true, WeightDecay: 0.001), null, inv with { Lr = 0.05 }),
            "adam" => (new(OptimizerKind.Adam, 0.02, Beta1: 0.9, Beta2: 0.98, Eps: 1e-6, WeightDecay: 0.01), null, inv with { Lr = 0.02 }),
            "adam_amsgrad" => (new(OptimizerKind.Adam, 0.02, Amsgrad: true), null, step with { Lr = 0.02 }),
            "adamw" => (new(OptimizerKind.AdamW, 0.02, Beta1: 0.9, Beta2: 0.98, WeightDecay: 0.1), 0.0, inv with { Lr = 0.02 }),
            "adagrad" => (new(OptimizerKind.Adagrad, 0.1, LrDecay: 0.01, WeightDecay: 0.01, InitialAccumulatorValue: 0.1), null, step with { Lr = 0.1 }),
            _ => throw new ArgumentException(name),
        };
    }

    private static void AssertClose(double[] expected, float[] actual, string what, double rtol = 1e-4, double atol = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= atol + rtol * Math.Abs(expected[i]),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Theory]
    [InlineData("sgd_momentum")]
    [InlineData("sgd_nesterov")]
    [InlineData("adam")]
    [InlineData("adam_amsgrad")]
    [InlineData("adamw")]
    [InlineData("adagrad")]
    public void MatchesPyTorch(string name)
    {
        var (options, wd1, schedule) = Config(name);
        var m = new TinyModel();
        var opt = Optimizer.Create(options, m.Groups(wd1));
        var sched = new Scheduler(opt, LrSchedule.Create(schedule));
        var unused0 = m.Unused.ToArray();
        var norms = Fixture[name + ".norm"].Data;
        var lrs = Fixture[name + ".lr"].Data;
        for (int step = 1; step <= 10; step++)
        {
            double norm = m.TrainStep(opt, sched);
            Assert.True(Math.Abs(norm - norms[step - 1]) <= 1e-5 * norms[step - 1], $"step {step} norm {norm} vs {norms[step - 1]}");
            Assert.True(Math.Abs(opt.Groups[0].Lr - lrs[step - 1]) <= 1e-12 * lrs[step - 1], $"step {step} lr {opt.Groups[0].Lr} vs {lrs[step - 1]}");
            Assert.Equal(0.5 * opt.Groups[0].Lr, opt.Groups[1].Lr, 12);
            AssertClose(Fixture[$"{name}.step{step}.w1"].Data, m.W1.ToArray(), $"{name} step {step} w1");
            AssertClose(Fixture[$"{name}.step{step}.w2"].Data, m.W2.ToArray(), $"{name} step {step} w2");
            AssertClose(Fixture[$"{name}.step{step}.b"].Data, m.B.ToArray(), $"{name} step {step} b");
        }
        Assert.Equal(unused0, m.Unused.ToArray()); // no gradient: skipped
        Assert.Equal(10, opt.StepCount);
        Assert.False(opt.StateDict().State.ContainsKey("unused"));
    }

    [Theory]
    [InlineData("sgd_momentum")]
    [InlineData("sgd_nesterov")]
    [InlineData("adam_amsgrad")]
    [InlineData("adamw")]
    [InlineData("adagrad")]
    public void ResumeFromStateDictIsBitExact(string name)
    {
        var (options, wd1, schedule) = Config(name);
        var a = new TinyModel();
        var optA = Optimizer.Create(options, a.Groups(wd1));
        var schA = new Scheduler(optA, LrSchedule.Create(schedule));
        for (int i = 0; i < 4; i++) a.TrainStep(optA, schA);

        // Snapshot, then build a fresh model + optimizer from it.
        var state = optA.StateDict();
        var b = new TinyModel();
        b.W1.CopyFrom(a.W1); b.W2.CopyFrom(a.W2); b.B.CopyFrom(a.B);
        var optB = Optimizer.Create(options, b.Groups(wd1));
        optB.LoadStateDict(state);
        var schB = new Scheduler(optB, LrSchedule.Create(schedule));

        for (int i = 0; i < 6; i++) { a.TrainStep(optA, schA); b.TrainStep(optB, schB); }
        Assert.Equal(a.W1.ToArray(), b.W1.ToArray());
        Assert.Equal(a.W2.ToArray(), b.W2.ToArray());
        Assert.Equal(a.B.ToArray(), b.B.ToArray());
        Assert.Equal(optA.StepCount, optB.StepCount);
    }
}
