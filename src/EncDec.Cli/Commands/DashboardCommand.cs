using System.CommandLine;

namespace EncDec.Cli.Commands;

/// <summary><c>encdec dashboard --runs DIR [--host] [--port]</c>: the live training dashboard without a model.</summary>
internal static class DashboardCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var (cmd, read) = ServeCommand.Common("dashboard", "Show the training curves of the runs under --runs (metrics.jsonl), updating live, in a web page.");
        cmd.SetAction(r =>
        {
            var settings = read(r);
            if (settings.RunsDir is null) throw new UserInputException("--runs is required: the folder of run folders to show");
            settings.Validate();
            return ServeCommand.RunUntilStopped(settings, null, stdout);
        });
        return cmd;
    }
}
