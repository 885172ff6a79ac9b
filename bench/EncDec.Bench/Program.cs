namespace EncDec.Bench;

/// <summary>Benchmark entry point: <c>dotnet run -c Release --project bench/EncDec.Bench -- &lt;bench&gt; [options]</c>.</summary>
public static class Program
{
    private const string Available = "gemm, layers, text, train, realtrain, accuracy, decode, distributed, attention, longtask, serve, fuzz, killtest, conv";

    /// <summary>Runs one bench; a mistake in its options or files (a <see cref="UserInputException"/>, e.g. a model setting the
    /// config refuses) is one line on stderr and exit 2, not a stack trace.</summary>
    public static int Main(string[] args)
    {
        try { return Dispatch(args); }
        catch (BenchArgs.HelpShown) { return 0; }
        catch (UserInputException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
    }

    private static int Dispatch(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine($"usage: EncDec.Bench <bench> [options]   benches: {Available}");
            return 2;
        }
        switch (args[0])
        {
            case "gemm":
                BenchArgs.Declare("gemm", args[1..], "--cputime", "--provider", "--quick", "--shape", "--threads");
                GemmBench.Run(args[1..]);
                return 0;
            case "layers":
                BenchArgs.Declare("layers", args[1..], "--iters", "--warmup", "--padded");
                LayersBench.RunTransformer(args[1..]);
                LayersBench.RunLstm(args[1..]);
                return 0;
            case "text":
                BenchArgs.Declare("text", args[1..], "--seed", "--vocab", "--words");
                TextBench.Run(args[1..]);
                return 0;
            case "train":
                BenchArgs.Declare("train", args[1..], "--model", "--steps", "--verbose", "--warmup");
                TrainBench.Run(args[1..]);
                return 0;
            case "realtrain":
                BenchArgs.Declare("realtrain", args[1..], "--data", "--profile", "--src", "--steps", "--tgt", "--verbose", "--arms", "--block", "--census", "--multiple", "--no-release", "--ops", "--plans", "--rounds");
                RealTrainBench.Run(args[1..]);
                return 0;
            case "accuracy" when args.Contains("scst-dates"):
                BenchArgs.Declare("accuracy", args[1..], "--task", "--arms", "--batch", "--cache", "--dropout-in-loss", "--eval-every", "--lr", "--max-steps", "--minutes", "--mle-lr", "--mle-weight", "--pretrain-steps", "--samples", "--seed", "--temperature");
                ScstDatesBench.Run(args[1..]);
                return 0;
            case "accuracy" when args.Contains("guidance"):
                BenchArgs.Declare("accuracy", args[1..], "--task", "--guide-top-k", "--guide-weight", "--seed", "--steps", "--test");
                GuidanceBench.Run(args[1..]);
                return 0;
            case "accuracy":
                BenchArgs.Declare("accuracy", args[1..], "--augment", "--batch", "--beam", "--bucket", "--caption-loss", "--cnn-width", "--compare-decoding", "--concat", "--context-layers", "--ctc-weight", "--d", "--dec-layers", "--decode-ctc-weight", "--dropout", "--elastic", "--ema", "--enc-layers", "--ff", "--gamma", "--hard-negatives", "--heads", "--image-pool", "--label-smoothing", "--lr", "--max-scale", "--min-scale", "--minutes", "--model", "--no-augment", "--patch", "--pool-rows", "--pos-scale", "--proj", "--rotation", "--seed", "--shear", "--speeds", "--split", "--steps", "--stretch", "--task", "--test-size", "--text-pool", "--train-clips", "--views", "--warmup", "--warp", "--wd");
                AccuracyBench.Run(args[1..]);
                return 0;
            case "distributed":
                BenchArgs.Declare("distributed", args[1..], "--steps", "--warmup");
                DistributedBench.Run(args[1..]);
                return 0;
            case "distributed-worker":
                DistributedBench.Worker(args[1..]);
                return 0;
            case "attention":
                BenchArgs.Declare("attention", args[1..], "--budget-mib", "--chunk", "--kind", "--kinds", "--n", "--sizes", "--window");
                AttentionBench.Run(args[1..]);
                return 0;
            case "longtask":
                BenchArgs.Declare("longtask", args[1..], "--batch", "--chunk", "--conv", "--dec-layers", "--echo-key", "--enc-layers", "--eval", "--global", "--keys", "--kind", "--length", "--lr", "--max-length", "--min-length", "--minutes", "--profile", "--records", "--seed", "--steps", "--test", "--tokens", "--train", "--value-length", "--warm-batch", "--warm-length", "--warm-records", "--warm-steps", "--warmup", "--window");
                LongTaskBench.Run(args[1..]);
                return 0;
            case "decode" when args.Contains("--runtime"):
                BenchArgs.Declare("decode", args[1..], "--runtime", "--batch", "--reps", "--sents", "--threads");
                OnnxDecodeBench.Run(args[1..]);
                return 0;
            case "int8-linear":
                BenchArgs.Declare("int8-linear", args[1..]);
                Int8LinearBench.Run(args[1..]);
                return 0;
            case "conv":
                BenchArgs.Declare("conv", args[1..], "--batch", "--forward", "--no-peer", "--probe", "--python", "--rounds", "--stages");
                ConvBench.Run(args[1..]);
                return 0;
            case "decode":
                BenchArgs.Declare("decode", args[1..], "--batch", "--gemm-profile", "--int8", "--profile", "--pruned", "--reps", "--sents", "--strategy", "--student-layers");
                DecodeBench.Run(args[1..]);
                return 0;
            case "serve":
                BenchArgs.Declare("serve", args[1..], "--clients", "--gc-events", "--max-batch", "--max-wait-ms", "--mode", "--seconds");
                ServeBench.Run(args[1..]);
                return 0;
            case "fuzz":
                return FuzzBench.Run(args[1..]);
            case "killtest":
                return KillTestBench.Run(args[1..]);
            default:
                Console.Error.WriteLine($"unknown bench '{args[0]}'; available: {Available}");
                return 2;
        }
    }
}
