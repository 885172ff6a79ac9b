using System.Diagnostics;
using System.Globalization;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Tensors;

namespace EncDec.Bench;

/// <summary>
/// Decoding throughput of the training benchmark's Transformer (d_model 256, 4 heads, 3+3 layers, FFN 1024, shared and
/// tied vocabulary of 8,000, random init with a fixed seed, eval mode): 200 random source sentences of length 20 in
/// batches of 32, exactly 25 output tokens each (EOS banned before, forced after: MinLength = MaxLength = 25), greedy and
/// beam 4. Matches <c>peer-bench/transformer_decode.py</c>. Prints one JSON line per strategy; output tokens are the
/// 200 × 25 tokens of the final outputs.
/// Options: <c>--sents N</c>, <c>--batch N</c>, <c>--reps N</c> (median of N timed runs, default 1), <c>--strategy greedy|beam4|both</c>,
/// <c>--int8</c>: also an int8 copy of the model (every Linear but the tied output layer, <see cref="EncDec.Nn.Int8Quantizer"/>),
/// timed interleaved with the float32 one in the same run; each line then names its <c>weights</c> (<c>int8+output</c>: the tied
/// output layer on int8 too); <c>--pruned P</c>: the model with P% of its heads and FFN neurons pruned and removed
/// (<see cref="EncDec.Training.StructuredShrinker"/>); <c>--student-layers L</c>: the same model with L+L layers. Besides the
/// wall time each line gives the process CPU time of the timed runs (<c>cpu_s</c>, median): on a contended machine, run with
/// one thread (<c>ENCDEC_THREADS=1 OPENBLAS_NUM_THREADS=1</c>) it measures the work better than the wall clock.
/// <c>--profile</c> splits one more run into encode / initial state / steps / reorders; <c>--gemm-profile</c> also times the
/// provider's matrix products per shape (products on weights packed for decoding bypass the provider and are not listed).
/// </summary>
public static class DecodeBench
{
    private const int Vocab = 8000, SrcLen = 20, OutLen = 25, Beam = 4;

    public static void Run(string[] args)
    {
        int sents = BenchArgs.Int(args, "--sents", 200), batch = BenchArgs.Int(args, "--batch", 32), reps = Math.Max(1, BenchArgs.Int(args, "--reps", 1));
        string which = BenchArgs.String(args, "--strategy", "both");
        bool profile = BenchArgs.Flag(args, "--profile") || BenchArgs.Flag(args, "--gemm-profile");
        TimedGemm? timedGemm = BenchArgs.Flag(args, "--gemm-profile") ? new TimedGemm(EncDec.Tensors.Gemm.GemmProviders.Current) : null;
        var config = new ModelConfig
        {
            Family = ModelFamily.Transformer, SrcVocabSize = Vocab, TgtVocabSize = Vocab, DModel = 256, Heads = 4,
            EncoderLayers = 3, DecoderLayers = 3, FeedForward = 1024, Dropout = 0.1f,
            ShareEmbeddings = true, TieOutput = true, Seed = 1234,
        };
        var model = ModelFactory.BuildTransformer(config, new Rng(config.Seed));
        model.Eval();
        var variants = new List<(string Weights, EncoderDecoder Model)> { ("float32", model) };
        if (BenchArgs.Flag(args, "--int8"))
        {
            var q = ModelFactory.BuildTransformer(config, new Rng(config.Seed));
            q.Eval();
            EncDec.Nn.Int8Quantizer.Quantize(q);
            variants.Add(("int8", q));
            var qa = ModelFactory.BuildTransformer(config, new Rng(config.Seed));
            qa.Eval();
            EncDec.Nn.Int8Quantizer.Quantize(qa, tiedOutput: true);
            variants.Add(("int8+output", qa));
        }
        if (BenchArgs.Int(args, "--pruned", 0) is > 0 and < 100 and var percent)
        {
            // structured pruning of the same model to percent% of its heads and FFN neurons, then physically shrunk
            var p = ModelFactory.BuildTransformer(config, new Rng(config.Seed));
            p.Eval();
            new EncDec.Training.MagnitudePruner(p, EncDec.Training.PruningKind.Heads).Apply(percent / 100.0);
            new EncDec.Training.MagnitudePruner(p, EncDec.Training.PruningKind.Ffn).Apply(percent / 100.0);
            variants.Add(($"pruned{percent}", EncDec.Training.StructuredShrinker.Shrink(p, config).Model));
        }
        if (BenchArgs.Int(args, "--student-layers", 0) is > 0 and var layers)
        {
            // a distillation student of the same shape with fewer encoder and decoder layers
            var student = ModelFactory.BuildTransformer(config with { EncoderLayers = layers, DecoderLayers = layers }, new Rng(config.Seed));
            student.Eval();
            variants.Add(($"student{layers}+{layers}", student));
        }
        var rng = new Rng(7);
        var sources = new int[sents][];
        for (int i = 0; i < sents; i++)
        {
            sources[i] = new int[SrcLen];
            for (int j = 0; j < SrcLen; j++) sources[i][j] = 3 + (int)(rng.NextDouble() * (Vocab - 3));
        }
        var greedy = new GenerationOptions { Strategy = DecodingStrategy.Greedy, MinLength = OutLen, MaxLength = OutLen };
        var beam = greedy with { Strategy = DecodingStrategy.Beam, BeamSize = Beam };

        // warm-up: tiered JIT needs many calls before the hot loops reach their final code, so decode one full
        // batch with each strategy (not timed)
        var warm = sources.Take(Math.Min(batch, sents)).ToArray();
        for (int i = 0; i < 2; i++)
            foreach (var (_, m) in variants)
            {
                if (which != "beam4") Decode(m, warm, batch, greedy);
                if (which != "greedy") Decode(m, warm, batch, beam);
            }

        foreach (var (name, opts) in new[] { ("greedy", greedy), ("beam4", beam) })
        {
            if (which != "both" && which != name) continue;
            var wallsOf = variants.Select(_ => new double[reps]).ToArray();
            var cpusOf = variants.Select(_ => new double[reps]).ToArray();
            long outTokens = 0;
            for (int r = 0; r < reps; r++)
                for (int vi = 0; vi < variants.Count; vi++)                  // interleaved: float32, int8, float32, …
                {
                    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                    var sw = Stopwatch.StartNew();
                    outTokens = Decode(variants[vi].Model, sources, batch, opts);
                    wallsOf[vi][r] = sw.Elapsed.TotalSeconds;
                    cpusOf[vi][r] = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
                }
            var walls = wallsOf[0];
            if (profile)
            {
                var timed = new TimedModel(model);
                var sw = Stopwatch.StartNew();
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                int gc0 = GC.CollectionCount(0), gc2 = GC.CollectionCount(2);
                var plain = EncDec.Tensors.Gemm.GemmProviders.Current;
                if (timedGemm is not null) { timedGemm.Report(); EncDec.Tensors.Gemm.GemmProviders.Current = timedGemm; }
                Decode(timed, sources, batch, opts);
                EncDec.Tensors.Gemm.GemmProviders.Current = plain;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"profile {name}: wall {sw.Elapsed.TotalSeconds:F3}s cpu {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:F3}s encode {timed.Encode_.TotalSeconds:F3}s init {timed.Init.TotalSeconds:F3}s step {timed.Step.TotalSeconds:F3}s select {timed.Select.TotalSeconds:F3}s ({timed.Steps} steps) gc0 {GC.CollectionCount(0) - gc0} gc2 {GC.CollectionCount(2) - gc2}"));
                if (timedGemm is not null)
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  gemm total {timedGemm.Seconds:F3}s"));
                    foreach (var line in timedGemm.Report()) Console.Error.WriteLine(line);
                }
            }
            if (outTokens != (long)sents * OutLen) throw new InvalidOperationException($"expected {sents * OutLen} output tokens, got {outTokens}");
            for (int vi = 0; vi < variants.Count; vi++)
            {
                Array.Sort(wallsOf[vi]); Array.Sort(cpusOf[vi]);
                double wall = wallsOf[vi][reps / 2], cpu = cpusOf[vi][reps / 2];
                string weights = variants.Count > 1 ? $"\"weights\":\"{variants[vi].Weights}\"," : "";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"bench\":\"decode\",\"strategy\":\"{name}\",{weights}\"out_tokens_per_s\":{outTokens / wall:F1},\"wall_s\":{wall:F3},\"cpu_s\":{cpu:F3},\"out_tokens_per_cpu_s\":{outTokens / cpu:F1},\"out_tokens\":{outTokens},\"sents\":{sents},\"batch\":{batch},\"reps\":{reps},\"gemm\":\"{GemmName()}\",\"decode_weights\":\"{(EncDec.Nn.PackedLinear.Supported ? "managed-packed" : "provider")}\",\"peak_rss_mib\":{PeakRssMib():F1}}}"));
            }
        }
    }

    /// <summary>Decodes every source in batches; returns the number of output tokens of the best hypotheses.</summary>
    private static long Decode(ISeq2SeqModel model, int[][] sources, int batch, GenerationOptions options)
    {
        long n = 0;
        for (int start = 0; start < sources.Length; start += batch)
        {
            var chunk = sources.Skip(start).Take(batch).ToArray();
            using (GradMode.NoGrad())
            using (TensorScope.Begin())
                foreach (var r in SequenceGenerator.Generate(model, chunk, options)) n += r.Best.Tokens.Length;
        }
        return n;
    }

    /// <summary>Times the model's calls, to split decoding time into model work and the generator's host work.</summary>
    private sealed class TimedModel(ISeq2SeqModel inner) : ISeq2SeqModel
    {
        public TimeSpan Encode_, Init, Step, Select;
        public int Steps;
        public int TargetVocabSize => inner.TargetVocabSize;

        public EncoderOutput Encode(IndexTensor source, int[] lengths)
        {
            var sw = Stopwatch.StartNew();
            try { return inner.Encode(source, lengths); } finally { Encode_ += sw.Elapsed; }
        }

        public IDecoderState InitialState(EncoderOutput encoder)
        {
            var sw = Stopwatch.StartNew();
            try { return new TimedState(this, inner.InitialState(encoder)); } finally { Init += sw.Elapsed; }
        }

        public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state)
        {
            var sw = Stopwatch.StartNew();
            try
            {
                var r = inner.DecodeStep(tokens, position, encoder, ((TimedState)state).Inner);
                return r with { Next = new TimedState(this, r.Next) };
            }
            finally { Step += sw.Elapsed; Steps++; }
        }

        private sealed class TimedState(TimedModel owner, IDecoderState inner) : IDecoderState
        {
            public IDecoderState Inner => inner;
            public IEnumerable<Tensor>? Tensors => inner.Tensors;

            public IDecoderState Select(int[] rows)
            {
                var sw = Stopwatch.StartNew();
                try { return new TimedState(owner, inner.Select(rows)); } finally { owner.Select += sw.Elapsed; }
            }
        }
    }

    private static string GemmName()
    {
        try { return EncDec.Tensors.Gemm.GemmProviders.Current.Name; } catch { return "?"; }
    }

    /// <summary>Peak resident set (VmHWM) in MiB, or −1 where /proc is missing.</summary>
    private static double PeakRssMib()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException) { }
        return -1;
    }
}
