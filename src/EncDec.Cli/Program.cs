using System.CommandLine;
using EncDec.Cli.Commands;

namespace EncDec.Cli;

/// <summary>
/// The <c>encdec</c> tool. Each command's logic lives in <c>Commands/</c>; this file only declares the
/// command line. A user's mistake (<see cref="UserInputException"/>, a bad option value) prints one line
/// and exits non-zero; only a bug shows a stack trace.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the tool with the given writers (used by the tests).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        EncDec.Interop.Text.SentencePieceTokenizer.Register();   // `spm:FILE` tokenizers and checkpoints that hold them
        var root = BuildRoot(stdout, stderr);
        // ProcessTerminationTimeout = null: System.CommandLine does not handle SIGINT/SIGTERM; `train` and `demo` do
        // (StopSignals: checkpoint, one line, exit 130/143), other commands end at once as usual.
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        try
        {
            return root.Parse(args).Invoke(config);
        }
        catch (UserInputException e)
        {
            stderr.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("interrupted");
            return 130;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A path the user gave that cannot be read or written (missing, a folder, no permission, disk full):
            // .NET's message names the path; one line, no stack trace.
            stderr.WriteLine($"error: {DescribeIoError(e)}");
            return 1;
        }
    }

    /// <summary>One line for a file-system error: "PATH: file not found" where the path is known, else .NET's message.</summary>
    internal static string DescribeIoError(Exception e) => e switch
    {
        FileNotFoundException { FileName: { Length: > 0 } f } => $"{f}: file not found",
        _ => OneLine(e.Message),
    };

    /// <summary>The first line of <paramref name="message"/>.</summary>
    internal static string OneLine(string message)
    {
        int nl = message.IndexOfAny(['\r', '\n']);
        return (nl < 0 ? message : message[..nl]).Trim();
    }

    internal static RootCommand BuildRoot(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("EncDec: build, train, decode and evaluate encoder-decoder (seq2seq) models in .NET.");
        root.Add(EvalCli.Build(stdout, stderr));
        root.Add(TokenizerCli.Build(stdout, stderr));
        root.Add(DemoCommand.Build(stdout, stderr));
        root.Add(TrainCommand.Build(stdout, stderr));
        root.Add(AverageCommand.Build(stdout, stderr));
        root.Add(PretrainCommand.Build(stdout, stderr));
        root.Add(PreprocessCommand.Build(stdout, stderr));
        root.Add(TranslateCommand.Build(stdout, stderr, Console.In));
        root.Add(InfoCommand.Build(stdout, stderr));
        root.Add(ExportCommand.Build(stdout, stderr));
        root.Add(ImportCommand.Build(stdout, stderr));
        return root;
    }
}

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
