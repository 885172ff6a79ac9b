using EncDec.Tensors;
using EncDec.TimeSeries;
using Xunit;

namespace EncDec.Tests.TimeSeries;

public sealed class ForecastModelTests
{
    private static ForecastConfig Tiny(ForecastArchitecture a, ForecastOutput o, int covariates = 2) => new()
    {
        Architecture = a, Output = o, Targets = 2, Covariates = covariates, Context = 8, Horizon = 4, HiddenSize = 8, Heads = 2,
        FeedForward = 16, Dropout = 0f,
    };

    private static ForecastBatch Batch(ForecastConfig c, int b = 3, ulong seed = 5)
    {
        var rng = new Rng(seed);
        return new ForecastBatch(Tensor.Randn(rng, b, c.Context, c.Targets),
            c.Covariates > 0 ? Tensor.Randn(rng, b, c.Context, c.Covariates) : null,
            c.Covariates > 0 ? Tensor.Randn(rng, b, c.Horizon, c.Covariates) : null,
            Tensor.Randn(rng, b, c.Horizon, c.Targets));
    }

    public static TheoryData<ForecastArchitecture, ForecastOutput> Variants()
    {
        var d = new TheoryData<ForecastArchitecture, ForecastOutput>();
        foreach (var a in Enum.GetValues<ForecastArchitecture>())
            foreach (var o in Enum.GetValues<ForecastOutput>()) d.Add(a, o);
        return d;
    }

    /// <summary>
    /// Autoregressive decoding equals teacher forcing on the model's own point forecasts: the step-by-step path (recurrent
    /// state or growing Transformer prefix) and the parallel one compute the same function.
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Autoregressive_decoding_matches_teacher_forcing_on_its_own_forecasts(ForecastArchitecture a, ForecastOutput o)
    {
        var c = Tiny(a, o);
        var model = new ForecastModel(c, new Rng(1));
        model.Eval();
        var b = Batch(c);
        var free = model.Forecast(b);                                      // (B, H, n, K)
        Assert.Equal(new[] { 3, 4, 2, c.OutputsPerTarget }, free.Shape);
        var own = free.Narrow(3, c.PointSlot, 1).Squeeze(3).Contiguous();   // (B, H, n): the fed-back values
        using var noGrad = GradMode.NoGrad();
        var forced = model.Forward(b with { FutureValues = own });
        if (o == ForecastOutput.Quantile)                                   // Forecast sorts quantiles; compare sorted
        {
            var s = forced.Contiguous().Span; int k = c.OutputsPerTarget;
            for (int i = 0; i < s.Length; i += k) s.Slice(i, k).Sort();
        }
        Assert.True(forced.AllClose(free, 1e-4f, 1e-5f));
    }

    [Fact]
    public void Outputs_move_with_the_level_of_the_window()
    {
        var c = Tiny(ForecastArchitecture.Gru, ForecastOutput.Point, covariates: 0);
        var model = new ForecastModel(c, new Rng(2));
        model.Eval();
        var b = Batch(c);
        var y0 = model.Forecast(b).ToArray();
        var y1 = model.Forecast(b with { ContextValues = b.ContextValues + 10f }).ToArray();
        for (int i = 0; i < y0.Length; i++) Assert.Equal(y0[i] + 10f, y1[i], 3);
    }

    [Fact]
    public void Losses_match_hand_computed_values()
    {
        // pinball at q = 0.1, 0.9 for y = 1: ŷ = 0 → e = 1: 0.1, 0.9; ŷ = 2 → e = −1: 0.9, 0.1
        var outp = Tensor.FromArray([0f, 0f, 2f, 2f], 1, 2, 1, 2);
        var y = Tensor.FromArray([1f, 1f], 1, 2, 1);
        var q = new ForecastConfig { Output = ForecastOutput.Quantile, Quantiles = [0.1f, 0.9f] };
        Assert.Equal((0.1 + 0.9 + 0.9 + 0.1) / 4, ForecastLoss.Compute(q, outp, y).Item(), 6);
        // Gaussian NLL with μ = 0, log σ = log 2 at y = 1: log 2 + (1/2)²/2 + log(2π)/2
        var g = new ForecastConfig { Output = ForecastOutput.Gaussian };
        var go = Tensor.FromArray([0f, MathF.Log(2)], 1, 1, 1, 2);
        Assert.Equal(Math.Log(2) + 0.125 + 0.5 * Math.Log(2 * Math.PI), ForecastLoss.Compute(g, go, Tensor.FromArray([1f], 1, 1, 1)).Item(), 5);
        var p = new ForecastConfig { Output = ForecastOutput.Point, PointLoss = PointLoss.Mse };
        Assert.Equal(1.0, ForecastLoss.Compute(p, Tensor.FromArray([0f, 2f], 1, 2, 1, 1), y).Item(), 6);
    }

    [Fact]
    public void Gradients_reach_every_parameter_in_both_training_modes()
    {
        var c = Tiny(ForecastArchitecture.Lstm, ForecastOutput.Quantile);
        var model = new ForecastModel(c, new Rng(3));
        // the skip map starts at zero, so give it a value for its inputs' gradient to flow
        foreach (var loss in new[] { model.Loss(Batch(c)), model.FreeRunningLoss(Batch(c)) })
        {
            model.ZeroGrad();
            loss.Backward();
            foreach (var (name, prm) in model.NamedParameters())
                Assert.True(prm.Grad is not null && prm.Grad.ToArray().Any(v => v != 0), $"no gradient for {name}");
        }
    }

    [Fact]
    public void Config_rejects_bad_quantiles_and_heads()
    {
        Assert.Throws<UserInputException>(() => new ForecastConfig { Quantiles = [0.5f, 0.1f] }.Validate());
        Assert.Throws<UserInputException>(() => new ForecastConfig { Quantiles = [1.5f] }.Validate());
        Assert.Throws<UserInputException>(() => new ForecastConfig { Architecture = ForecastArchitecture.Transformer, HiddenSize = 10, Heads = 4 }.Validate());
        var c = new ForecastConfig { Quantiles = [0.1f, 0.5f, 0.9f] };
        Assert.Equal(1, c.PointSlot);
        Assert.Equal(c.Quantiles, ForecastConfig.FromJson(c.ToJson(), "x").Quantiles);
    }
}
