using System.CommandLine;
using EncDec.Cli.Commands;

namespace EncDec.Cli;

/// <summary><c>encdec eval</c>.</summary>
internal static class EvalCli
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var hyp = new Option<string>("--hyp") { Description = "Hypotheses, one per line", Required = true };
        var refs = new Option<string[]>("--ref") { Description = "Reference file (repeat for several references)", Required = true, AllowMultipleArgumentsPerToken = true };
        var metrics = new Option<string>("--metrics") { Description = "Comma-separated: bleu,chrf,rouge,exact", DefaultValueFactory = _ => "bleu,chrf" };
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
            return EvalCommand.Run(o, stdout, stderr);
        });
        return cmd;
    }
}
