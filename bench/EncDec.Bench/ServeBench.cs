using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Server;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Bench;

/// <summary>
/// <c>bench serve</c>: N concurrent loopback clients post one text each, again and again, for S seconds against
/// <c>encdec serve</c>'s server (in this process) with a demo-size Transformer (d 128, 4 heads, FFN 256, 2+2 layers,
/// char vocabularies from the dates task, seeded random weights, every output exactly 20 tokens), once with dynamic
/// batching and once serving one request at a time. One JSON line per mode: requests, errors, p50/p99 latency,
/// requests/s, output tokens/s, and RSS: at the start, at 1/5 of the run, at the end, the end minus the 1/5 figure (growth
/// after the warm-up), the peak while this run's clients ran (sampled every 250 ms) and the process's peak (VmHWM).
/// Options: <c>--clients N</c> (100), <c>--seconds S</c> (60), <c>--mode both|batched|single</c>, <c>--max-batch N</c> (32), <c>--max-wait-ms N</c> (5),
/// <c>--gc-events</c>: also a line counting the GCs by reason and the large-object allocations by type (<see cref="GcEventCensus"/>).
/// </summary>
public static class ServeBench
{
    private const int OutLen = 20;

    public static void Run(string[] args)
    {
        int clients = BenchArgs.Int(args, "--clients", 100), seconds = BenchArgs.Int(args, "--seconds", 60), maxBatch = BenchArgs.Int(args, "--max-batch", 32), maxWait = BenchArgs.Int(args, "--max-wait-ms", 5);
        string mode = Str(args, "--mode", "both");
        using var census = BenchArgs.Flag(args, "--gc-events") ? new GcEventCensus() : null;
        var pairs = SyntheticTasks.Generate(SyntheticTask.Dates, 2000, seed: 1);
        var src = Tokenizer.Train(TokenizerKind.Char, pairs.Select(p => p.Source), 1000);
        var tgt = Tokenizer.Train(TokenizerKind.Char, pairs.Select(p => p.Target), 1000);
        var config = new ModelConfig
        {
            Family = ModelFamily.Transformer, SrcVocabSize = src.Vocab.Count, TgtVocabSize = tgt.Vocab.Count, DModel = 128, Heads = 4,
            FeedForward = 256, EncoderLayers = 2, DecoderLayers = 2, Seed = 11,
        };
        var dir = Directory.CreateTempSubdirectory("encdec-bench-serve-").FullName;
        try
        {
            var path = Path.Combine(dir, "demo.safetensors");
            ModelStore.Save(path, ModelFactory.Build(config), config, src, tgt);
            var model = ServedModel.Load(path);
            var texts = pairs.Select(p => p.Source).Take(500).ToArray();
            foreach (var batched in new[] { true, false })
            {
                if (mode == "batched" && !batched || mode == "single" && batched) continue;
                var settings = new ServerSettings
                {
                    Port = 0, Batching = batched, MaxBatchSize = maxBatch, MaxWaitMs = maxWait, QueueCapacity = Math.Max(256, clients * 2),
                    RequestTimeoutMs = 120_000,
                };
                Console.WriteLine(RunOnce(settings, model, texts, clients, seconds));
                if (census is not null) Console.WriteLine(census.Json());
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static string RunOnce(ServerSettings settings, ServedModel model, string[] texts, int clients, int seconds)
    {
        var server = EncDecServer.StartAsync(settings, model).GetAwaiter().GetResult();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients + 4, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(180) };
        string Body(int i) => JsonSerializer.Serialize(new { texts = new[] { texts[i % texts.Length] }, min_length = OutLen, max_length = OutLen });
        // warm-up (JIT): a few requests, not timed
        for (int i = 0; i < 3; i++) http.PostAsync("/v1/translate", new StringContent(Body(i), Encoding.UTF8, "application/json")).GetAwaiter().GetResult().EnsureSuccessStatusCode();
        GC.Collect();
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        long rssStart = Rss().Rss;
        var latencies = new List<double>[clients];
        int errors = 0;
        var sw = Stopwatch.StartNew();
        long end = Environment.TickCount64 + seconds * 1000L;
        // RSS sampled every 250 ms while the clients run: the peak of this run, and RSS at 1/5 of the run, so the end can be
        // compared with a point after the warm-up (no growth = the end is not above the 1/5 figure by more than noise)
        using var stopSampling = new CancellationTokenSource();
        long rssFifth = 0, rssPeakRun = rssStart;
        // every sample is kept by fifth of the run; at the end of each fifth also the managed heap (after the last GC, and
        // committed), the tensor pool's bytes and the thread count, so growth can be told apart: pooled buffers, managed
        // garbage the GC has not collected yet, threads, or native memory. One RSS sample swings with the GC's cycle, so
        // growth is judged on each fifth's mean and maximum
        var samples = new List<long>[5];
        for (int f = 0; f < 5; f++) samples[f] = new List<long>();
        var snapshots = new string?[5];
        var sampler = Task.Run(async () =>
        {
            long startAt = Environment.TickCount64;
            while (!stopSampling.IsCancellationRequested)
            {
                long now = Rss().Rss;
                if (now > rssPeakRun) rssPeakRun = now;
                long elapsed = Environment.TickCount64 - startAt;
                int f = (int)Math.Min(4, elapsed / (seconds * 200L));
                if (rssFifth == 0 && f >= 1) rssFifth = now;
                for (int g = 0; g < f; g++) snapshots[g] ??= Snapshot(samples[g]);
                samples[f].Add(now);
                try { await Task.Delay(250, stopSampling.Token); } catch (TaskCanceledException) { }
            }
        });
        var tasks = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<double>();
            int k = c;
            while (Environment.TickCount64 < end)
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    using var r = await http.PostAsync("/v1/translate", new StringContent(Body(k), Encoding.UTF8, "application/json"));
                    await r.Content.ReadAsByteArrayAsync();
                    if (r.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref errors);
                    else mine.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
                }
                catch (HttpRequestException) { Interlocked.Increment(ref errors); }
                k += clients;
            }
        })).ToArray();
        Task.WaitAll(tasks);
        double wall = sw.Elapsed.TotalSeconds;
        long rssEnd = Rss().Rss;
        stopSampling.Cancel();
        sampler.GetAwaiter().GetResult();
        rssPeakRun = Math.Max(rssPeakRun, rssEnd);
        if (rssFifth == 0) rssFifth = rssEnd;
        samples[4].Add(rssEnd);
        for (int f = 0; f < 5; f++) snapshots[f] ??= Snapshot(samples[f]);
        static double MeanMib(List<long> l) => l.Count == 0 ? double.NaN : l.Average() / 1048576.0;
        static double MaxMib(List<long> l) => l.Count == 0 ? double.NaN : l.Max() / 1048576.0;
        var all = latencies.SelectMany(l => l).OrderBy(x => x).ToArray();
        double P(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(q * all.Length) - 1)];
        var metrics = server.Metrics;
        double meanBatch = metrics.BatchTexts.Count == 0 ? 0 : (double)all.Length / metrics.BatchTexts.Count;
        server.StopAsync().GetAwaiter().GetResult();
        var inv = CultureInfo.InvariantCulture;
        return string.Create(inv, $"{{\"bench\":\"serve\",\"mode\":\"{(settings.Batching ? "batched" : "single")}\",\"clients\":{clients},\"seconds\":{wall:F1},\"requests\":{all.Length},\"errors\":{errors}," +
            $"\"p50_ms\":{P(0.5) * 1000:F1},\"p99_ms\":{P(0.99) * 1000:F1},\"requests_per_s\":{all.Length / wall:F1},\"output_tokens_per_s\":{all.Length * (OutLen + 1) / wall:F0}," +
            $"\"mean_batch_texts\":{meanBatch:F1},\"max_batch\":{settings.MaxBatchSize},\"max_wait_ms\":{settings.MaxWaitMs},\"rss_start_mib\":{rssStart >> 20},\"rss_fifth_mib\":{rssFifth >> 20},\"rss_end_mib\":{rssEnd >> 20}," +
            $"\"rss_growth_after_fifth_mib\":{(rssEnd - rssFifth) / 1048576.0:F1},\"peak_rss_run_mib\":{rssPeakRun >> 20},\"peak_rss_mib\":{Rss().Peak >> 20}," +
            $"\"rss_mean_growth_mib\":{MeanMib(samples[4]) - MeanMib(samples[1]):F1},\"rss_max_growth_mib\":{MaxMib(samples[4]) - MaxMib(samples[1]):F1}," +
            $"\"fifths\":[{string.Join(',', snapshots)}],\"gc_gen0\":{GC.CollectionCount(0) - gen0},\"gc_gen2\":{GC.CollectionCount(2) - gen2}}}");
    }

    /// <summary>
    /// One fifth's memory figures (MiB): its RSS samples' mean and maximum; at its end the managed heap after the last GC and
    /// committed, its fragmentation, the pool's idle and live bytes, and the process's threads.
    /// </summary>
    private static string Snapshot(List<long> rss)
    {
        var gc = GC.GetGCMemoryInfo();
        double mean = rss.Count == 0 ? double.NaN : rss.Average() / 1048576.0, max = rss.Count == 0 ? double.NaN : rss.Max() / 1048576.0;
        return string.Create(CultureInfo.InvariantCulture,
            $"{{\"rss_mean\":{mean:F1},\"rss_max\":{max:F1},\"heap\":{gc.HeapSizeBytes / 1048576.0:F1},\"committed\":{gc.TotalCommittedBytes / 1048576.0:F1},\"frag\":{gc.FragmentedBytes / 1048576.0:F1}," +
            $"\"pooled\":{TensorPool.PooledBytes / 1048576.0:F1},\"live\":{TensorPool.LiveBytes / 1048576.0:F1},\"threads\":{Process.GetCurrentProcess().Threads.Count}}}");
    }

    private static (long Rss, long Peak) Rss()
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kb(line);
        }
        return (rss, peak);
        static long Kb(string l) => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static string Str(string[] a, string name, string d) { int i = Array.IndexOf(a, name); return i >= 0 && i + 1 < a.Length ? a[i + 1] : d; }
}
