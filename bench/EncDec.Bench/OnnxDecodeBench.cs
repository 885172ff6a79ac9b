using System.Diagnostics;
using System.Globalization;
using EncDec.Generation;
using EncDec.Interop.Onnx;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Bench;

/// <summary>
/// <c>bench decode --runtime onnx</c>: the decode benchmark's model (<see cref="DecodeBench"/>: Transformer d 256, 3+3 layers,
/// vocabulary 8,000, 200 sentences × 25 output tokens) exported to ONNX and decoded by EncDec's search over ONNX Runtime,
/// interleaved with the native runtime on the same sources in the same process: native greedy, onnx greedy, native beam 4,
/// onnx beam 4, for each repetition. Prints one JSON line per runtime and strategy (median over <c>--reps</c>) and the
/// native/onnx ratio. <c>--threads N</c> sets ONNX Runtime's intra-op threads (default: the cores, as EncDec uses).
/// </summary>
public static class OnnxDecodeBench
{
    private const int Vocab = 8000, SrcLen = 20, OutLen = 25;

    public static void Run(string[] args)
    {
        int sents = BenchArgs.Int(args, "--sents", 200), batch = BenchArgs.Int(args, "--batch", 32), reps = Math.Max(1, BenchArgs.Int(args, "--reps", 1));
        int threads = BenchArgs.Int(args, "--threads", Environment.ProcessorCount);
        var config = new ModelConfig
        {
            Family = ModelFamily.Transformer, SrcVocabSize = Vocab, TgtVocabSize = Vocab, DModel = 256, Heads = 4,
            EncoderLayers = 3, DecoderLayers = 3, FeedForward = 1024, Dropout = 0.1f, ShareEmbeddings = true, TieOutput = true, Seed = 1234,
        };
        var model = ModelFactory.BuildTransformer(config, new Rng(config.Seed));
        model.Eval();
        var dir = Directory.CreateTempSubdirectory("encdec-onnx-bench-").FullName;
        try
        {
            var tok = Tokenizer.Train(TokenizerKind.Char, ["ab"], 10);   // the graphs do not use it; the export folder needs one
            OnnxExporter.Export(model, config, tok, tok, dir);
            using var onnx = OnnxSeq2SeqModel.Load(dir, threads);
            var rng = new Rng(7);
            var sources = Enumerable.Range(0, sents).Select(_ => Enumerable.Range(0, SrcLen).Select(_ => 5 + (int)(rng.NextDouble() * (Vocab - 5))).ToArray()).ToArray();
            var greedy = new GenerationOptions { Strategy = DecodingStrategy.Greedy, MinLength = OutLen, MaxLength = OutLen };
            var beam = greedy with { Strategy = DecodingStrategy.Beam, BeamSize = 4 };
            var runtimes = new (string Name, ISeq2SeqModel Model)[] { ("native", model), ("onnx", onnx) };
            var warm = sources.Take(batch).ToArray();
            foreach (var (_, m) in runtimes) { Decode(m, warm, batch, greedy); Decode(m, warm, batch, beam); }
            foreach (var (name, opts) in new[] { ("greedy", greedy), ("beam4", beam) })
            {
                var walls = runtimes.Select(_ => new double[reps]).ToArray();
                var outputs = new List<int[]>[runtimes.Length];
                for (int r = 0; r < reps; r++)
                    for (int k = 0; k < runtimes.Length; k++)
                    {
                        var sw = Stopwatch.StartNew();
                        outputs[k] = Decode(runtimes[k].Model, sources, batch, opts);
                        walls[k][r] = sw.Elapsed.TotalSeconds;
                    }
                int same = outputs[0].Zip(outputs[1]).Count(p => p.First.AsSpan().SequenceEqual(p.Second));
                var tps = new double[runtimes.Length];
                for (int k = 0; k < runtimes.Length; k++)
                {
                    Array.Sort(walls[k]);
                    double wall = walls[k][reps / 2];
                    tps[k] = (double)sents * OutLen / wall;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{{\"bench\":\"decode\",\"runtime\":\"{runtimes[k].Name}\",\"strategy\":\"{name}\",\"out_tokens_per_s\":{tps[k]:F1},\"wall_s\":{wall:F3},\"sents\":{sents},\"batch\":{batch},\"reps\":{reps},\"onnx_threads\":{threads}}}"));
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"bench\":\"decode\",\"strategy\":\"{name}\",\"native_over_onnx\":{tps[0] / tps[1]:F2},\"identical_outputs\":{same},\"sents\":{sents}}}"));
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static List<int[]> Decode(ISeq2SeqModel model, int[][] sources, int batch, GenerationOptions options)
    {
        var outs = new List<int[]>(sources.Length);
        for (int start = 0; start < sources.Length; start += batch)
        {
            var chunk = sources.Skip(start).Take(batch).ToArray();
            using (GradMode.NoGrad())
            using (TensorScope.Begin())
                foreach (var r in SequenceGenerator.Generate(model, chunk, options)) outs.Add(r.Best.Tokens);
        }
        return outs;
    }
}
