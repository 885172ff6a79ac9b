using System.CommandLine;
using EncDec.Metrics;

namespace EncDec.Cli.Commands;

/// <summary>The <c>encdec eval</c> command: scores a hypothesis file against one or more reference files.</summary>
public static class EvalCommand
{
    /// <summary>The <c>eval</c> command line: its flags, parsed into <see cref="EvalOptions"/>, then <see cref="Run"/>.</summary>
    internal static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var hyp = new Option<string>("--hyp") { Description = "Hypotheses, one per line", Required = true };
        var refs = new Option<string[]>("--ref") { Description = "Reference file (repeat for several references)", Required = true, AllowMultipleArgumentsPerToken = true };
        var metrics = new Option<string>("--metrics") { Description = "Comma-separated: bleu,chrf,rouge,exact,wer,cer", DefaultValueFactory = _ => "bleu,chrf" };
        var lower = new Option<bool>("--lowercase") { Description = "Case-insensitive BLEU/chrF" };
        var tok = new Option<string>("--tokenize") { Description = "BLEU tokenizer: 13a|none|char", DefaultValueFactory = _ => "13a" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var cmd = new Command("eval", "Score hypotheses against references: BLEU and chrF as sacreBLEU 2.x computes them, ROUGE, exact match.")
        {
            hyp, refs, metrics, lower, tok, json,
        };
        cmd.SetAction(r =>
        {
            var o = new EvalOptions
            {
                HypPath = r.GetValue(hyp)!,
                RefPaths = r.GetValue(refs)!,
                Metrics = EvalOptions.ParseMetrics(r.GetValue(metrics)!),
                Lowercase = r.GetValue(lower),
                Tokenize = EvalOptions.ParseTokenize(r.GetValue(tok)!),
                Json = r.GetValue(json),
            };
            return Run(o, stdout, stderr);
        });
        return cmd;
    }

    /// <summary>Runs the command: prints the report (text or JSON) to <paramref name="stdout"/> and returns 0; on a user
    /// error prints one line to <paramref name="stderr"/> and returns 1.</summary>
    public static int Run(EvalOptions o, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var report = Evaluate(o);
            stdout.WriteLine(o.Json ? MetricsFormatter.ToJson(report) : MetricsFormatter.FormatText(report));
            return 0;
        }
        catch (UserInputException e)
        {
            stderr.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    /// <summary>Reads the files and computes the requested metrics.</summary>
    /// <exception cref="UserInputException">Missing/unreadable file, invalid UTF-8, line-count mismatch, no reference,
    /// or (for BLEU/chrF, as in sacreBLEU) a segment whose references are all empty.</exception>
    public static MetricsReport Evaluate(EvalOptions o)
    {
        if (o.RefPaths.Count == 0) throw new UserInputException("eval: at least one --ref file is required");
        if (o.Metrics == EvalMetrics.None) throw new UserInputException("--metrics: no metric given");
        if ((o.Metrics & (EvalMetrics.Wer | EvalMetrics.Cer)) != 0 && o.RefPaths.Count > 1)
            throw new UserInputException("--metrics wer,cer: take exactly one --ref file (jiwer scores against one reference)");
        var hyps = MetricFiles.ReadLines(o.HypPath);
        var refs = new List<IReadOnlyList<string>>();
        foreach (string path in o.RefPaths)
        {
            var lines = MetricFiles.ReadLines(path);
            if (lines.Count != hyps.Count)
                throw new UserInputException($"{o.HypPath} has {hyps.Count} lines but {path} has {lines.Count} lines");
            refs.Add(lines);
        }

        try
        {
            return new MetricsReport
            {
                Segments = hyps.Count,
                Bleu = o.Metrics.HasFlag(EvalMetrics.Bleu)
                    ? Bleu.Corpus(hyps, refs, new BleuOptions { Tokenize = o.Tokenize, Lowercase = o.Lowercase })
                    : null,
                ChrF = o.Metrics.HasFlag(EvalMetrics.ChrF)
                    ? ChrF.Corpus(hyps, refs, new ChrFOptions { Lowercase = o.Lowercase })
                    : null,
                Rouge = o.Metrics.HasFlag(EvalMetrics.Rouge) ? Rouge.Corpus(hyps, refs) : null,
                ExactMatch = o.Metrics.HasFlag(EvalMetrics.Exact) ? ExactMatch.Corpus(hyps, refs) : null,
                Wer = o.Metrics.HasFlag(EvalMetrics.Wer) ? ErrorRate.Wer(hyps, refs[0]) : null,
                Cer = o.Metrics.HasFlag(EvalMetrics.Cer) ? ErrorRate.Cer(hyps, refs[0]) : null,
            };
        }
        catch (EmptyReferenceException e)
        {
            string where = o.RefPaths.Count == 1 ? o.RefPaths[0] : string.Join(", ", o.RefPaths);
            throw new UserInputException(where, e.SegmentIndex + 1,
                "empty reference line (BLEU and chrF, like sacreBLEU, and WER/CER, like jiwer, need a non-empty reference for every segment)");
        }
    }
}
