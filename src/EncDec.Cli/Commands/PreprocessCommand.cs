using System.CommandLine;
using System.Globalization;
using EncDec.Data;

namespace EncDec.Cli;

/// <summary>Settings of <c>encdec preprocess</c>.</summary>
internal sealed record PreprocessSpec
{
    public string? TrainSrc { get; init; }
    public string? TrainTgt { get; init; }
    public string? ValidSrc { get; init; }
    public string? ValidTgt { get; init; }
    public string? SrcTokenizerPath { get; init; }
    public string? TgtTokenizerPath { get; init; }
    public string Tokenizer { get; init; } = "bpe";
    public int VocabSize { get; init; } = 8000;
    public bool JointVocab { get; init; } = true;
    public int MaxLength { get; init; } = 128;
    public int ShardSize { get; init; } = 1_000_000;
    public string? Out { get; init; }
}

/// <summary>
/// <c>encdec preprocess</c>: streams a parallel corpus through its tokenizers (trained first when none are given) into a
/// folder of memory-mapped token shards for <c>encdec train --data</c>, so corpora larger than memory can be trained on.
/// </summary>
internal static class PreprocessCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var trainSrc = new Option<string>("--train-src") { Description = "Training source file (one sentence per line)", Required = true };
        var trainTgt = new Option<string>("--train-tgt") { Description = "Training target file, line-aligned with the source", Required = true };
        var validSrc = new Option<string?>("--valid-src") { Description = "Validation source file" };
        var validTgt = new Option<string?>("--valid-tgt") { Description = "Validation target file" };
        var srcTok = new Option<string?>("--src-tokenizer") { Description = "Existing source tokenizer JSON" };
        var tgtTok = new Option<string?>("--tgt-tokenizer") { Description = "Existing target tokenizer JSON" };
        var tokenizer = new Option<string>("--tokenizer") { Description = "bpe|word|char (trained when no tokenizer files are given)", DefaultValueFactory = _ => "bpe" };
        var vocab = new Option<int>("--vocab-size") { Description = "Tokenizer vocabulary size", DefaultValueFactory = _ => 8000 };
        var joint = new Option<bool>("--joint-vocab") { Description = "One tokenizer for both sides (--joint-vocab false: one per side)", DefaultValueFactory = _ => true };
        var maxLength = new Option<int>("--max-length") { Description = "Drop pairs with a side longer than this many tokens", DefaultValueFactory = _ => 128 };
        var outDir = new Option<string>("--out") { Description = "Output folder (manifest.json, tokenizers, *.shard)", Required = true };
        var shardSize = new Option<int>("--shard-size") { Description = "Examples per shard file", DefaultValueFactory = _ => 1_000_000 };
        var cmd = new Command("preprocess", "Tokenize a parallel corpus once into memory-mapped token shards for `train --data`.")
        {
            trainSrc, trainTgt, validSrc, validTgt, srcTok, tgtTok, tokenizer, vocab, joint, maxLength, outDir, shardSize,
        };
        cmd.SetAction((r, ct) => Task.FromResult(Run(new PreprocessSpec
        {
            TrainSrc = r.GetValue(trainSrc), TrainTgt = r.GetValue(trainTgt), ValidSrc = r.GetValue(validSrc), ValidTgt = r.GetValue(validTgt),
            SrcTokenizerPath = r.GetValue(srcTok), TgtTokenizerPath = r.GetValue(tgtTok), Tokenizer = r.GetValue(tokenizer)!,
            VocabSize = r.GetValue(vocab), JointVocab = r.GetValue(joint), MaxLength = r.GetValue(maxLength), Out = r.GetValue(outDir),
            ShardSize = r.GetValue(shardSize),
        }, stdout, ct)));
        return cmd;
    }

    public static int Run(PreprocessSpec s, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        if (s.TrainSrc is null || s.TrainTgt is null || s.Out is null) throw new UserInputException("--train-src, --train-tgt and --out are required");
        if (s.ValidSrc is not null ^ s.ValidTgt is not null) throw new UserInputException("give both --valid-src and --valid-tgt, or neither");
        if (s.VocabSize < 1) throw new UserInputException($"--vocab-size must be at least 1, got {s.VocabSize}");
        if (s.MaxLength < 1) throw new UserInputException($"--max-length must be at least 1, got {s.MaxLength}");
        if (s.ShardSize < 1) throw new UserInputException($"--shard-size must be at least 1, got {s.ShardSize}");
        var kind = CliParsers.ParseKind(s.Tokenizer, "--tokenizer");
        foreach (var f in new[] { s.TrainSrc, s.TrainTgt, s.ValidSrc, s.ValidTgt, s.SrcTokenizerPath, s.TgtTokenizerPath })
            if (f is not null && !File.Exists(f)) throw new UserInputException(f, null, Directory.Exists(f) ? "is a folder, not a file" : "file not found");
        if (File.Exists(s.Out)) throw new UserInputException(s.Out, null, "--out: is a file, not a folder");
        CliPaths.CreateRunFolder(s.Out, "--out");

        var train = ParallelCorpus.FromFiles(s.TrainSrc, s.TrainTgt);
        var valid = s.ValidSrc is not null && s.ValidTgt is not null ? ParallelCorpus.FromFiles(s.ValidSrc, s.ValidTgt) : null;
        var (src, tgt) = TrainData.ResolveTokenizers(s.SrcTokenizerPath, s.TgtTokenizerPath, kind, s.VocabSize, s.JointVocab,
            WithCancellation(train, cancel), ui);
        ui.Line($"tokenizers: source {src.Kind.ToString().ToLowerInvariant()} ({src.Vocab.Count} tokens), target {tgt.Kind.ToString().ToLowerInvariant()} ({tgt.Vocab.Count} tokens)");

        long nextReport = ReportEvery;
        var manifest = CorpusPreprocessor.Write(new PreprocessRequest
        {
            OutDir = s.Out, Train = train, Valid = valid, Source = src, Target = tgt, Filter = TrainData.Filter(s.MaxLength), ShardSize = s.ShardSize,
            Progress = (split, read) =>
            {
                if (read < nextReport) return;
                ui.Line($"{split}: {N(read)} pairs tokenized");
                nextReport = (read / ReportEvery + 1) * ReportEvery;
            },
        }, cancel);
        Report(ui, "train", manifest.Train);
        if (manifest.Valid is { } v) Report(ui, "valid", v);
        ui.Line($"wrote {s.Out} ({manifest.TokenWidth * 8}-bit token ids)");
        return 0;
    }

    private const long ReportEvery = 1_000_000;

    private static IEnumerable<SentencePair> WithCancellation(IEnumerable<SentencePair> pairs, CancellationToken cancel)
    {
        foreach (var p in pairs) { cancel.ThrowIfCancellationRequested(); yield return p; }
    }

    private static void Report(Ui ui, string name, SplitEntry e)
    {
        ui.Line($"{name}: {N(e.PairsRead)} pairs read, {N(e.Kept)} kept, {N(e.Dropped)} dropped by the length filter "
            + $"({N(e.DroppedTooLong)} too long, {N(e.DroppedTooShort)} too short), {N(e.BlankPairsSkipped)} blank pairs skipped; "
            + $"{N(e.SrcTokens)} source + {N(e.TgtTokens)} target tokens in {e.Shards.Count} shard{(e.Shards.Count == 1 ? "" : "s")}");
    }

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
