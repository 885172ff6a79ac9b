using System.CommandLine;
using EncDec.Cli.Commands;

namespace EncDec.Cli;

/// <summary>
/// The <c>encdec</c> tool. Each command's logic lives in <c>Commands/</c>; this file only declares the
/// command line. <see cref="ErrorBoundary"/> turns every failure into one line: a user's mistake
/// (<see cref="UserInputException"/>, a bad option value) exits 1 (2 for a malformed command line), a bug exits 70
/// with its trace in a log file (or on stderr with <c>--verbose</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the tool with the given writers (used by the tests); commands that read stdin read the console's.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, Console.In);

    /// <summary>Runs the tool with the given writers and standard input (used by the tests of <c>chat</c> and piped commands).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        EncDec.Interop.Text.SentencePieceTokenizer.Register();   // `spm:FILE` tokenizers and checkpoints that hold them
        var root = BuildRoot(stdout, stderr, stdin);
        var verboseOption = ErrorBoundary.VerboseOption();
        root.Add(verboseOption);
        // ProcessTerminationTimeout = null: System.CommandLine does not handle SIGINT/SIGTERM; `train` and `demo` do
        // (StopSignals: checkpoint, one line, exit 130/143), other commands end at once as usual.
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        var parsed = root.Parse(args);
        bool verbose = parsed.Errors.Count == 0 && parsed.GetValue(verboseOption);
        if (parsed.Errors.Count > 0 && !ErrorBoundary.AsksForHelp(args))
        {
            stderr.WriteLine(ErrorBoundary.UsageError(parsed));
            return ErrorBoundary.UsageExitCode;
        }
        return ErrorBoundary.Run(() => parsed.Invoke(config), stderr, verbose);
    }

    /// <summary>One line for a file-system error (see <see cref="ErrorBoundary.DescribeIoError"/>).</summary>
    internal static string DescribeIoError(Exception e) => ErrorBoundary.DescribeIoError(e);

    /// <summary>The first line of <paramref name="message"/>.</summary>
    internal static string OneLine(string message) => ErrorBoundary.OneLine(message);

    internal static RootCommand BuildRoot(TextWriter stdout, TextWriter stderr) => BuildRoot(stdout, stderr, Console.In);

    internal static RootCommand BuildRoot(TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var root = new RootCommand("EncDec: build, train, decode and evaluate encoder-decoder (seq2seq) models in .NET.");
        root.Add(EvalCommand.Build(stdout, stderr));
        root.Add(TokenizerCommands.Build(stdout, stderr));
        root.Add(DemoCommand.Build(stdout, stderr));
        root.Add(TrainCommand.Build(stdout, stderr));
        root.Add(AverageCommand.Build(stdout, stderr));
        root.Add(QuantizeCommand.Build(stdout, stderr));
        root.Add(PruneCommand.Build(stdout, stderr));
        root.Add(DistillCommand.Build(stdout, stderr));
        root.Add(PretrainCommand.Build(stdout, stderr));
        root.Add(PreprocessCommand.Build(stdout, stderr));
        root.Add(TranslateCommand.Build(stdout, stderr, stdin));
        root.Add(ClassifyTrainCommand.Build(stdout, stderr));
        root.Add(ClassifyCommand.Build(stdout, stderr, stdin));
        root.Add(InfoCommand.Build(stdout, stderr));
        root.Add(ServeCommand.Build(stdout, stderr));
        root.Add(DashboardCommand.Build(stdout, stderr));
        root.Add(ForecastCommand.Build(stdout, stderr));
        root.Add(FinetuneCommand.Build(stdout, stderr));
        root.Add(ExportCommand.Build(stdout, stderr));
        root.Add(ImportCommand.Build(stdout, stderr));
        root.Add(Commands.SegmentCommand.Build(stdout, stderr));
        root.Add(Commands.CaptionCommand.Build(stdout, stderr));
        root.Add(TranscribeCommand.Build(stdout, stderr));
        root.Add(DialogueTrainCommand.Build(stdout, stderr));
        root.Add(ChatCommand.Build(stdout, stderr, stdin));
        return root;
    }
}
