namespace EncDec.Bench;

/// <summary>Benchmark entry point: <c>dotnet run -c Release --project bench/EncDec.Bench -- &lt;bench&gt; [options]</c>.</summary>
public static class Program
{
    private const string Available = "gemm, layers, text, train, realtrain, accuracy, decode, conv";

    public static int Main(string[] args)
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
            case "accuracy":
                AccuracyBench.Run(args[1..]);
                return 0;
            case "conv":
                ConvBench.Run(args[1..]);
                return 0;
            case "decode":
                DecodeBench.Run(args[1..]);
                return 0;
            default:
                Console.Error.WriteLine($"unknown bench '{args[0]}'; available: {Available}");
                return 2;
        }
    }
}
