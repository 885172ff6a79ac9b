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
                GemmBench.Run(args[1..]);
                return 0;
            case "layers":
                LayersBench.RunTransformer(args[1..]);
                LayersBench.RunLstm(args[1..]);
                return 0;
            case "text":
                TextBench.Run(args[1..]);
                return 0;
            case "train":
                TrainBench.Run(args[1..]);
                return 0;
            case "realtrain":
                RealTrainBench.Run(args[1..]);
                return 0;
            case "accuracy" when args.Contains("scst-dates"):
                ScstDatesBench.Run(args[1..]);
                return 0;
            case "accuracy" when args.Contains("guidance"):
                GuidanceBench.Run(args[1..]);
                return 0;
            case "accuracy":
                AccuracyBench.Run(args[1..]);
                return 0;
            case "distributed":
                DistributedBench.Run(args[1..]);
                return 0;
            case "distributed-worker":
                DistributedBench.Worker(args[1..]);
                return 0;
            case "attention":
                AttentionBench.Run(args[1..]);
                return 0;
            case "longtask":
                LongTaskBench.Run(args[1..]);
                return 0;
            case "decode" when args.Contains("--runtime"):
                OnnxDecodeBench.Run(args[1..]);
                return 0;
            case "int8-linear":
                Int8LinearBench.Run(args[1..]);
                return 0;
            case "conv":
                ConvBench.Run(args[1..]);
                return 0;
            case "decode":
                DecodeBench.Run(args[1..]);
                return 0;
            case "serve":
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
