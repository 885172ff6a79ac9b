using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.TimeSeries;

/// <summary>
/// A sequence-to-sequence forecaster over real vectors. Every window is first made relative to its level (the last
/// context value of each series), so the network predicts changes and follows trends beyond the training range.
/// The encoder reads the context — an input projection of [values, covariates] replaces the embedding — with an
/// LSTM/GRU or a Transformer encoder; the decoder reads, for each horizon step, the previous step's value and that
/// step's known covariates (teacher forcing: the true previous value; <see cref="Forecast"/>: its own previous point
/// forecast, autoregressively). A recurrent decoder starts from the encoder's final state and attends (dot product)
/// over the encoder outputs; a Transformer decoder is causal with cross-attention. An optional linear map from the
/// context to the horizon (<see cref="ForecastConfig.LinearSkip"/>) is added to the location outputs.
/// </summary>
public sealed class ForecastModel : Module
{
    [NotState] public ForecastConfig Config { get; }
    public Linear EncoderInput { get; }
    public Linear DecoderInput { get; }
    public Lstm? EncoderLstm { get; }
    public Lstm? DecoderLstm { get; }
    public Gru? EncoderGru { get; }
    public Gru? DecoderGru { get; }
    public TransformerEncoder? Encoder { get; }
    public TransformerDecoder? Decoder { get; }
    [NotState] public SinusoidalPositionalEncoding? Positions { get; }
    public Dropout InputDropout { get; }
    public Linear Head { get; }
    public Linear? Skip { get; }

    public ForecastModel(ForecastConfig config, Rng rng)
    {
        config.Validate();
        Config = config;
        int n = config.Targets, k = config.Covariates, d = config.HiddenSize;
        EncoderInput = new Linear(n + k, d, rng: rng);
        DecoderInput = new Linear(n + k, d, rng: rng);
        InputDropout = new Dropout(config.Dropout, rng);
        int headIn = d;
        switch (config.Architecture)
        {
            case ForecastArchitecture.Lstm:
                EncoderLstm = new Lstm(d, d, config.Layers, dropout: config.Dropout, rng: rng);
                DecoderLstm = new Lstm(d, d, config.Layers, dropout: config.Dropout, rng: rng);
                headIn = 2 * d;
                break;
            case ForecastArchitecture.Gru:
                EncoderGru = new Gru(d, d, config.Layers, dropout: config.Dropout, rng: rng);
                DecoderGru = new Gru(d, d, config.Layers, dropout: config.Dropout, rng: rng);
                headIn = 2 * d;
                break;
            default:
                var opts = new TransformerLayerOptions(d, config.Heads, config.FeedForward, config.Dropout, Activation.Gelu, NormPosition.Pre);
                Encoder = new TransformerEncoder(opts, config.Layers, finalNorm: true, rng: rng);
                Decoder = new TransformerDecoder(opts, config.Layers, finalNorm: true, rng: rng);
                Positions = new SinusoidalPositionalEncoding(d, config.Context + config.Horizon);
                break;
        }
        Head = new Linear(headIn, n * config.OutputsPerTarget, rng: rng);
        if (config.LinearSkip)
        {
            Skip = new Linear(config.Context + (config.SkipLevel ? 1 : 0), config.Horizon, rng: rng);
            Skip.Weight.Span.Clear();                                         // starts as "no change from the level"
            Skip.Bias!.Span.Clear();
        }
    }

    /// <summary>
    /// Ridge least-squares fit of the linear skip on windows <paramref name="train"/> in the model's window-relative
    /// units (level subtracted, window scale divided): for every horizon step h, rel_h ≈ b_h + Σ_c W[h, c]·rel_c, the
    /// targets of all series pooled. The ridge strength λ·(mean diagonal of XᵀX) with λ from <paramref name="ridges"/> is
    /// the one with the lowest squared error on <paramref name="valid"/> (the first one without validation windows).
    /// Returns the chosen λ.
    /// </summary>
    public double FitLinearSkip(ForecastBatch train, ForecastBatch? valid, IReadOnlyList<double> ridges)
    {
        if (Skip is null) throw new InvalidOperationException("the model has no linear skip");
        var (xt, yt) = SkipRows(train);
        var cands = new List<(double Lambda, double[][] Coef)>();
        int C = Skip.Weight.Shape[1], H = Config.Horizon, k = C + 1;       // C: skip inputs (context, and the level)
        var xtx = new double[k, k];
        var xty = new double[H, k];
        for (int r = 0; r < xt.Length; r++)
            for (int a = 0; a < k; a++)
            {
                double xa = a == 0 ? 1 : xt[r][a - 1];
                for (int b = 0; b < k; b++) xtx[a, b] += xa * (b == 0 ? 1 : xt[r][b - 1]);
                for (int h = 0; h < H; h++) xty[h, a] += xa * yt[r][h];
            }
        double diag = 0;
        for (int a = 1; a < k; a++) diag += xtx[a, a];
        diag /= C;
        foreach (double lambda in ridges)
        {
            var m = (double[,])xtx.Clone();
            for (int a = 1; a < k; a++) m[a, a] += lambda * diag + 1e-9 * diag;
            var coef = new double[H][];
            for (int h = 0; h < H; h++)
            {
                var rhs = new double[k];
                for (int a = 0; a < k; a++) rhs[a] = xty[h, a];
                coef[h] = LinearAutoregression.Solve(m, rhs);
            }
            cands.Add((lambda, coef));
        }
        var best = cands[0];
        if (valid is not null && cands.Count > 1)
        {
            var (xv, yv) = SkipRows(valid);
            double bestErr = double.PositiveInfinity;
            foreach (var c in cands)
            {
                double err = 0;
                for (int r = 0; r < xv.Length; r++)
                    for (int h = 0; h < H; h++)
                    {
                        double p = c.Coef[h][0];
                        for (int t = 0; t < C; t++) p += c.Coef[h][t + 1] * xv[r][t];
                        err += (p - yv[r][h]) * (p - yv[r][h]);
                    }
                if (err < bestErr) { bestErr = err; best = c; }
            }
        }
        var w = Skip.Weight.Span; var bias = Skip.Bias!.Span;                // W (H, C), b (H)
        for (int h = 0; h < H; h++)
        {
            bias[h] = (float)best.Coef[h][0];
            for (int t = 0; t < C; t++) w[h * C + t] = (float)best.Coef[h][t + 1];
        }
        return best.Lambda;
    }

    /// <summary>The skip's input (B, n, C), or (B, n, C+1) with <see cref="ForecastConfig.SkipLevel"/>: the relative context, then level / scale.</summary>
    private Tensor SkipInput(Tensor rel, Tensor level, Tensor scale)
    {
        var x = rel.Transpose(1, 2);                                          // (B, C, n) → (B, n, C)
        return Config.SkipLevel ? F.Concat(new[] { x, (level / scale).Transpose(1, 2) }, 2) : x;   // (B, n, C+1)
    }

    /// <summary>One row per window and series: its skip input (C or C+1 values) and relative horizon (H values).</summary>
    private (double[][] X, double[][] Y) SkipRows(ForecastBatch b)
    {
        if (b.FutureValues is null) throw new ArgumentException("fitting the skip needs the future values");
        using var noGrad = GradMode.NoGrad();
        int C = Config.Context, H = Config.Horizon, n = Config.Targets, bsz = b.BatchSize;
        var level = b.ContextValues.Narrow(1, C - 1, 1);                     // (B, 1, n)
        var scale = WindowScale(b.ContextValues);                             // (B, 1, n)
        var inp = SkipInput((b.ContextValues - level) / scale, level, scale).Contiguous().ToArray();   // (B, n, I) flat
        var fut = ((b.FutureValues - level) / scale).ToArray();              // (B, H, n) flat
        int I = Skip!.Weight.Shape[1];
        var xs = new double[bsz * n][]; var ys = new double[bsz * n][];
        for (int i = 0; i < bsz; i++)
            for (int j = 0; j < n; j++)
            {
                var x = new double[I]; var y = new double[H];
                for (int t = 0; t < I; t++) x[t] = inp[(i * n + j) * I + t];
                for (int h = 0; h < H; h++) y[h] = fut[(i * H + h) * n + j];
                xs[i * n + j] = x; ys[i * n + j] = y;
            }
        return (xs, ys);
    }

    /// <summary>Encoder outputs and the state a recurrent decoder starts from (null for a Transformer).</summary>
    private sealed record Encoded(Tensor Memory, object? State, Tensor Level, Tensor Scale, Tensor? SkipOut);

    private Encoded Encode(ForecastBatch b)
    {
        int C = Config.Context, n = Config.Targets;
        var values = b.ContextValues;                                         // (B, C, n)
        if (values.Rank != 3 || values.Shape[1] != C || values.Shape[2] != n)
            throw new ArgumentException($"context values {ShapeUtil.Format(values.Shape)} are not (B, {C}, {n})");
        var level = values.Narrow(1, C - 1, 1).Detach();                      // (B, 1, n)
        var scale = WindowScale(values);                                      // (B, 1, n)
        var rel = (values - level) / scale;                                   // (B, C, n)
        var e = InputDropout.Forward(EncoderInput.Forward(WithCovariates(rel, b.ContextCovariates)));   // (B, C, d)
        Tensor? skip = Skip is null ? null : Skip.Forward(SkipInput(rel, level, scale)).Transpose(1, 2);   // (B, n, C[+1])→(B, n, H)→(B, H, n)
        switch (Config.Architecture)
        {
            case ForecastArchitecture.Lstm:
                { var (o, s) = EncoderLstm!.Forward(e); return new Encoded(o, s, level, scale, skip); }       // o (B, C, d)
            case ForecastArchitecture.Gru:
                { var (o, s) = EncoderGru!.Forward(e); return new Encoded(o, s, level, scale, skip); }
            default:
                return new Encoded(Encoder!.Forward(Positions!.Forward(e)), null, level, scale, skip);        // (B, C, d)
        }
    }

    /// <summary>
    /// The spread a window is measured in (B, 1, n): with <see cref="ForecastConfig.WindowScaling"/> the standard deviation
    /// of each series over the context (at least 0.05 scaled units), else 1 — so a network trained on quiet years still
    /// fits louder ones.
    /// </summary>
    private Tensor WindowScale(Tensor values)
    {
        int bsz = values.Shape[0], C = values.Shape[1], n = values.Shape[2];
        var s = new float[bsz * n];
        if (!Config.WindowScaling) { Array.Fill(s, 1f); return Tensor.FromArray(s, bsz, 1, n); }
        var v = values.ContiguousRaw().Span;
        for (int b = 0; b < bsz; b++)
            for (int j = 0; j < n; j++)
            {
                double m = 0, q = 0;
                for (int t = 0; t < C; t++) m += v[(b * C + t) * n + j];
                m /= C;
                for (int t = 0; t < C; t++) { double d = v[(b * C + t) * n + j] - m; q += d * d; }
                s[b * n + j] = (float)Math.Max(Math.Sqrt(q / C), 0.05);
            }
        return Tensor.FromArray(s, bsz, 1, n);
    }

    private Tensor WithCovariates(Tensor values, Tensor? covariates)
    {
        if (Config.Covariates == 0) return values;
        if (covariates is null || covariates.Shape[^1] != Config.Covariates)
            throw new ArgumentException($"the model needs {Config.Covariates} covariates per step");
        return F.Concat(new[] { values, covariates }, 2);                    // (B, T, n + k)
    }

    /// <summary>
    /// Decoder steps for inputs <paramref name="prevRel"/> (B, S, n) at horizon offset <paramref name="offset"/>: the
    /// outputs (B, S, n, K) relative to the level (skip part not yet added) and the recurrent state after them.
    /// A Transformer recomputes from horizon step 0, so it is given every previous input at once.
    /// </summary>
    private (Tensor Raw, object? State) Decode(Encoded enc, Tensor prevRel, Tensor? futureCov, int offset, object? state)
    {
        int S = prevRel.Shape[1], bsz = prevRel.Shape[0];
        var x = InputDropout.Forward(DecoderInput.Forward(WithCovariates(prevRel, futureCov)));      // (B, S, d)
        Tensor h;
        object? next = null;
        switch (Config.Architecture)
        {
            case ForecastArchitecture.Lstm:
                { var (o, s) = DecoderLstm!.Forward(x, (LstmState?)state); next = s; h = Attend(o, enc.Memory); break; }
            case ForecastArchitecture.Gru:
                { var (o, s) = DecoderGru!.Forward(x, (Tensor?)state); next = s; h = Attend(o, enc.Memory); break; }
            default:
                h = Decoder!.Forward(Positions!.Forward(x, Config.Context + offset), enc.Memory, tgtIsCausal: true);   // (B, S, d)
                break;
        }
        var raw = Head.Forward(h).Reshape(bsz, S, Config.Targets, Config.OutputsPerTarget);   // (B, S, n·K) → (B, S, n, K)
        return (raw, next);
    }

    /// <summary>Dot-product attention of decoder outputs (B, S, d) over the encoder outputs (B, C, d): [out, context] (B, S, 2d).</summary>
    private static Tensor Attend(Tensor dec, Tensor memory)
    {
        float scale = 1f / MathF.Sqrt(dec.Shape[2]);
        var scores = dec.MatMul(memory, transB: true).MulScalar(scale);    // (B, S, d)·(B, d, C) → (B, S, C)
        var ctx = scores.Softmax(-1).MatMul(memory);                        // (B, S, C)·(B, C, d) → (B, S, d)
        return F.Concat(new[] { dec, ctx }, 2);                             // (B, S, 2d)
    }

    /// <summary>
    /// Adds the skip part for horizon steps [offset, offset+S), undoes the window scale and adds the level: raw (B, S, n, K)
    /// → outputs in scaled series units (a Gaussian's second slot is log σ).
    /// </summary>
    private Tensor Finish(Tensor raw, Encoded enc, int offset)
    {
        int S = raw.Shape[1];
        var level = enc.Level.Unsqueeze(-1);                                 // (B, 1, n, 1)
        var scale = enc.Scale.Unsqueeze(-1);                                 // (B, 1, n, 1)
        var skip = enc.SkipOut?.Narrow(1, offset, S).Unsqueeze(-1);          // (B, S, n, 1)
        if (Config.Output != ForecastOutput.Gaussian)
            return (skip is null ? raw : raw + skip) * scale + level;        // every quantile / the point moves with the level
        var mean = raw.Narrow(3, 0, 1);                                      // (B, S, n, 1)
        if (skip is not null) mean = mean + skip;
        var logSigma = raw.Narrow(3, 1, 1) + scale.Log();                    // log σ in scaled series units
        return F.Concat(new[] { mean * scale + level, logSigma }, 3);        // (B, S, n, 2)
    }

    /// <summary>Teacher-forced outputs (B, H, n, K) in scaled units: the decoder reads the true previous values.</summary>
    public Tensor Forward(ForecastBatch b)
    {
        if (b.FutureValues is null) throw new ArgumentException("teacher forcing needs the future values");
        int H = Config.Horizon;
        var enc = Encode(b);
        var futRel = (b.FutureValues - enc.Level) / enc.Scale;               // (B, H, n)
        var prev = F.Concat(new[] { Tensor.Zeros(b.BatchSize, 1, Config.Targets), futRel.Narrow(1, 0, H - 1) }, 1);   // (B, H, n): shifted right
        var (raw, _) = Decode(enc, prev, b.FutureCovariates, 0, enc.State);
        return Finish(raw, enc, 0);
    }

    /// <summary>The training loss of a batch (scalar), teacher-forced.</summary>
    public Tensor Loss(ForecastBatch b) => ForecastLoss.Compute(Config, Forward(b), b.FutureValues!);

    /// <summary>
    /// Autoregressive multi-step forecast (no gradient): each horizon step's point forecast is fed to the decoder for
    /// the next step. Returns (B, H, n, K) in scaled units; quantiles are sorted so they never cross.
    /// </summary>
    public Tensor Forecast(ForecastBatch b)
    {
        using var noGrad = GradMode.NoGrad();
        return Rollout(b, sortQuantiles: Config.Output == ForecastOutput.Quantile).Contiguous();   // (B, H, n, K)
    }

    /// <summary>The loss of a free-running (autoregressive) pass, for training on the model's own inputs; the fed-back values carry no gradient.</summary>
    public Tensor FreeRunningLoss(ForecastBatch b) => ForecastLoss.Compute(Config, Rollout(b, sortQuantiles: false), b.FutureValues!);

    /// <summary>Decodes the horizon step by step, feeding back each step's point forecast (detached): (B, H, n, K). Sorting is for inference only (no gradient).</summary>
    private Tensor Rollout(ForecastBatch b, bool sortQuantiles)
    {
        int H = Config.Horizon, n = Config.Targets, bsz = b.BatchSize, slot = Config.PointSlot;
        var enc = Encode(b);
        var steps = new List<Tensor>();
        var prevs = new List<Tensor> { Tensor.Zeros(bsz, 1, n) };           // (B, 1, n) relative inputs
        object? state = enc.State;
        for (int t = 0; t < H; t++)
        {
            Tensor raw;
            if (Config.Architecture == ForecastArchitecture.Transformer)
            {
                var all = F.Concat(prevs, 1);                                // (B, t+1, n)
                (raw, _) = Decode(enc, all, b.FutureCovariates?.Narrow(1, 0, t + 1), 0, null);
                raw = raw.Narrow(1, t, 1);                                   // (B, 1, n, K)
            }
            else (raw, state) = Decode(enc, prevs[^1], b.FutureCovariates?.Narrow(1, t, 1), t, state);
            var y = Finish(raw, enc, t);                                     // (B, 1, n, K)
            if (sortQuantiles) { y = y.Contiguous(); SortLastDim(y); }      // the fed-back median is the sorted one
            steps.Add(y);
            prevs.Add(((y.Narrow(3, slot, 1).Squeeze(3) - enc.Level) / enc.Scale).Detach());   // (B, 1, n)
        }
        return F.Concat(steps, 1);                                           // (B, H, n, K)
    }

    private static void SortLastDim(Tensor t)
    {
        int k = t.Shape[^1];
        var s = t.Span;
        for (int i = 0; i < s.Length; i += k) s.Slice(i, k).Sort();
    }
}
