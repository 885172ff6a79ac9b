using System.Diagnostics;
using System.Globalization;
using EncDec.Autograd;
using EncDec.Tensors;
using EncDec.Tensors.Gemm;

namespace EncDec.Bench;

/// <summary>
/// Conv2d forward + backward (input, weight and bias gradients) GFLOP/s on ResNet-like shapes, interleaved round by
/// round with PyTorch doing the same work (<c>bench/peer/conv_bench.py --serve</c>, started once, fed one shape per
/// round), so that load from other processes hits both alike. GFLOP/s counts 3 × the forward's 2·N·O·C·K²·Ho·Wo.
/// Options: <c>--batch N</c> (16), <c>--rounds R</c> (5), <c>--no-peer</c>, <c>--python PATH</c> (/usr/bin/python3).
/// </summary>
internal static class ConvBench
{
    private readonly record struct Shape(int C, int H, int O, int K, int Stride, int Pad);

    private static readonly Shape[] Shapes =
    [
        new(64, 56, 64, 3, 1, 1), new(128, 28, 128, 3, 1, 1), new(256, 14, 256, 3, 1, 1), new(64, 56, 128, 1, 2, 0),
    ];

    public static void Run(string[] args)
    {
        int batch = BenchArgs.Int(args, "--batch", 16), rounds = BenchArgs.Int(args, "--rounds", 5);
        if (BenchArgs.Flag(args, "--probe")) { Probe(batch); return; }
        if (BenchArgs.Flag(args, "--stages")) { foreach (var sh in Shapes) Stages(batch, sh); return; }
        string python = BenchArgs.String(args, "--python", "/usr/bin/python3");
        Process? peer = null;
        if (!BenchArgs.Flag(args, "--no-peer"))
        {
            string script = Path.Combine(FindRepoRoot(), "bench", "peer", "conv_bench.py");
            var psi = new ProcessStartInfo(python, $"{script} --serve") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            psi.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
            peer = Process.Start(psi);
        }
        Console.Error.WriteLine($"# gemm: {GemmProviders.Current.Name}; batch {batch}, {rounds} rounds, interleaved with {(peer is null ? "no peer" : "PyTorch")}");
        try
        {
            foreach (var s in Shapes)
            {
                var (step, flops) = Make(batch, s);
                double inner = Calibrate(step);
                var ours = new double[rounds]; var theirs = new double[rounds];
                for (int r = 0; r < rounds; r++)
                {
                    var sw = Stopwatch.StartNew();
                    for (int i = 0; i < inner; i++) step();
                    ours[r] = sw.Elapsed.TotalSeconds / inner;
                    if (peer is not null)
                    {
                        Thread.Sleep(100);    // let the other side's worker threads go to sleep
                        peer.StandardInput.WriteLine($"{batch} {s.C} {s.H} {s.H} {s.O} {s.K} {s.Stride} {s.Pad}");
                        peer.StandardInput.Flush();
                        theirs[r] = double.Parse(peer.StandardOutput.ReadLine() ?? throw new InvalidOperationException("peer exited"), CultureInfo.InvariantCulture);
                        Thread.Sleep(100);
                    }
                }
                Array.Sort(ours); Array.Sort(theirs);
                if (BenchArgs.Flag(args, "--forward")) ForwardOnly(batch, s);
                double g = flops / ours[rounds / 2] / 1e9;
                string peerPart = peer is null ? "" : string.Create(CultureInfo.InvariantCulture,
                    $",\"torch_gflops\":{flops / theirs[rounds / 2] / 1e9:F1},\"ratio\":{theirs[rounds / 2] / ours[rounds / 2]:F2}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"bench\":\"conv\",\"n\":{batch},\"c\":{s.C},\"h\":{s.H},\"o\":{s.O},\"k\":{s.K},\"stride\":{s.Stride},\"gflops\":{g:F1}{peerPart}}}"));
            }
        }
        finally
        {
            if (peer is not null) { peer.StandardInput.Close(); peer.WaitForExit(5000); peer.Dispose(); }
        }
    }

    private static (Action Step, double Flops) Make(int n, Shape s)
    {
        var rng = new Rng(1);
        var x = Tensor.Uniform(rng, -1, 1, n, s.C, s.H, s.H).RequiresGrad_();
        var w = Tensor.Uniform(rng, -0.05f, 0.05f, s.O, s.C, s.K, s.K).RequiresGrad_();
        var b = Tensor.Zeros(s.O).RequiresGrad_();
        int ho = (s.H + 2 * s.Pad - s.K) / s.Stride + 1;
        var gy = Tensor.Uniform(rng, 0, 1, n, s.O, ho, ho);
        void Step()
        {
            x.ZeroGrad(); w.ZeroGrad(); b.ZeroGrad();
            using var scope = TensorScope.Begin(freeActivations: true);
            var y = F.Conv2d(x, w, b, stride: s.Stride, padding: s.Pad);      // (N, O, Ho, Wo)
            y.Backward(gy);
        }
        return (Step, 3 * 2.0 * n * s.O * s.C * s.K * s.K * ho * ho);
    }

    /// <summary>Prints forward-only GFLOP/s and the raw GEMM of one image's forward (where the time goes).</summary>
    private static unsafe void ForwardOnly(int n, Shape s)
    {
        var rng = new Rng(1);
        var x = Tensor.Uniform(rng, -1, 1, n, s.C, s.H, s.H);
        var w = Tensor.Uniform(rng, -0.05f, 0.05f, s.O, s.C, s.K, s.K);
        int ho = (s.H + 2 * s.Pad - s.K) / s.Stride + 1, k = s.C * s.K * s.K, l = ho * ho;
        double flops = 2.0 * n * s.O * k * l;
        void Fwd() { using var scope = TensorScope.Begin(); F.Conv2d(x, w, null, stride: s.Stride, padding: s.Pad); }
        double inner = Calibrate(Fwd);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < inner; i++) Fwd();
        double fwd = sw.Elapsed.TotalSeconds / inner;
        var a = new float[s.O * k]; var bm = new float[k * l]; var c = new float[s.O * l];
        var gemm = GemmProviders.Current;
        fixed (float* pa = a, pb = bm, pc = c)
        {
            float* A = pa, B = pb, C = pc;
            void G() { for (int i = 0; i < n; i++) gemm.Sgemm(false, false, s.O, l, k, 1f, A, k, B, l, 0f, C, l); }
            double gi = Calibrate(G);
            sw.Restart();
            for (int i = 0; i < gi; i++) G();
            double g = sw.Elapsed.TotalSeconds / gi;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"#   forward {flops / fwd / 1e9:F1} GFLOP/s, its GEMMs alone {flops / g / 1e9:F1}"));
        }
    }

    /// <summary>Milliseconds of each stage of one fwd+bwd, one image at a time (im2col, the three GEMMs, col2im).</summary>
    private static unsafe void Stages(int n, Shape s)
    {
        var geo = new ConvGeometry(s.C, s.H, s.H, s.K, s.K, s.Stride, s.Stride, s.Pad, s.Pad, 1, 1);
        int k = geo.K, l = geo.L, hw = s.H * s.H;
        var x = new float[n * s.C * hw]; var col = new float[k * l]; var w = new float[s.O * k]; var y = new float[n * s.O * l];
        var dw = new float[s.O * k]; var dx = new float[n * s.C * hw];
        var gemm = GemmProviders.Current;
        fixed (float* px = x, pc = col, pw = w, py = y, pdw = dw, pdx = dx)
        {
            float* X = px, Cm = pc, W = pw, Y = py, DW = pdw, DX = pdx;
            double T(Action a) { a(); var sw = Stopwatch.StartNew(); a(); a(); return sw.Elapsed.TotalMilliseconds / 2; }
            double im = T(() => { for (int b = 0; b < n; b++) ConvKernels.Im2Col(X + (long)b * s.C * hw, geo, Cm); });
            double fw = T(() => { for (int b = 0; b < n; b++) gemm.Sgemm(false, false, s.O, l, k, 1f, W, k, Cm, l, 0f, Y + (long)b * s.O * l, l); });
            double wg = T(() => { for (int b = 0; b < n; b++) gemm.Sgemm(false, true, s.O, k, l, 1f, Y + (long)b * s.O * l, l, Cm, l, 1f, DW, k); });
            double xg = T(() => { for (int b = 0; b < n; b++) gemm.Sgemm(true, false, k, l, s.O, 1f, W, k, Y + (long)b * s.O * l, l, 0f, Cm, l); });
            double c2 = T(() => { for (int b = 0; b < n; b++) ConvKernels.Col2ImAdd(Cm, geo, DX + (long)b * s.C * hw); });
            double gf = 2.0 * n * s.O * k * l / 1e6;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# {s.C}x{s.H} k{s.K} s{s.Stride}: im2col {im:F1} ms, fwd gemm {fw:F1} ms ({gf / fw:F1} GF/s), dW gemm {wg:F1} ms ({gf / wg:F1}), dcol gemm {xg:F1} ms ({gf / xg:F1}), col2im {c2:F1} ms"));
        }
    }

    /// <summary>Times each layer kind of the digits-OCR CNN encoder (forward + backward) on batch × 1 × 16 × 64.</summary>
    private static void Probe(int n)
    {
        var rng = new Rng(1);
        void T(string name, Func<Tensor> make)
        {
            for (int rep = 0; rep < 2; rep++)
            {
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < 5; i++)
                {
                    using var scope = TensorScope.Begin(freeActivations: true);
                    var y = make();
                    y.Sum().Backward();
                }
                if (rep == 1) Console.Error.WriteLine($"# {name}: {sw.Elapsed.TotalMilliseconds / 5:F1} ms");
            }
        }
        var x1 = Tensor.Uniform(rng, 0, 1, n, 1, 16, 64).RequiresGrad_();
        var x16 = Tensor.Uniform(rng, 0, 1, n, 16, 16, 64).RequiresGrad_();
        var x32 = Tensor.Uniform(rng, 0, 1, n, 32, 8, 32).RequiresGrad_();
        var w1 = Tensor.Uniform(rng, -0.1f, 0.1f, 16, 1, 3, 3).RequiresGrad_();
        var w16 = Tensor.Uniform(rng, -0.1f, 0.1f, 32, 16, 3, 3).RequiresGrad_();
        var w32 = Tensor.Uniform(rng, -0.1f, 0.1f, 32, 32, 3, 3).RequiresGrad_();
        var bn = new EncDec.Nn.BatchNorm2d(16);
        T("stem conv 1->16 @16x64", () => F.Conv2d(x1, w1, null, 1, 1));
        T("conv 16->32 s2 @16x64", () => F.Conv2d(x16, w16, null, 2, 1));
        T("conv 32->32 @8x32", () => F.Conv2d(x32, w32, null, 1, 1));
        T("batchnorm 16 @16x64", () => bn.Forward(x16));
        T("relu 16 @16x64", () => x16.Relu());
    }

    private static double Calibrate(Action step)
    {
        step();
        var sw = Stopwatch.StartNew();
        step();
        return Math.Max(1, (int)(0.1 / Math.Max(sw.Elapsed.TotalSeconds, 1e-6)));
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EncDec.sln"))) return d.FullName;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EncDec.sln"))) return d.FullName;
        throw new InvalidOperationException("run `bench conv` from inside the repository (bench/peer/conv_bench.py is needed)");
    }
}
