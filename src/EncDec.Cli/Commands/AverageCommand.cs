using System.CommandLine;
using System.Globalization;
using EncDec.IO;

namespace EncDec.Cli;

/// <summary>
/// <c>encdec average --model RUN --last K --output FILE</c>: the element-wise mean of the last K rotating checkpoints
/// of a run folder, written (atomically) as a model file that <c>translate</c>, <c>eval</c> pipelines and <c>info</c> load.
/// </summary>
internal static class AverageCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "Run folder whose checkpoints/step_*.safetensors are averaged", Required = true };
        var last = new Option<int>("--last") { Description = "How many of the newest checkpoints to average", DefaultValueFactory = _ => 3 };
        var output = new Option<string>("--output") { Description = "Model file to write", Required = true };
        var cmd = new Command("average", "Average the weights of a run's last K checkpoints into one model file.") { model, last, output };
        cmd.SetAction(r => Run(r.GetValue(model)!, r.GetValue(last), r.GetValue(output)!, stdout));
        return cmd;
    }

    public static int Run(string runDir, int last, string output, TextWriter stdout)
    {
        if (last < 1) throw new UserInputException($"--last must be at least 1, got {last}");
        if (!Directory.Exists(runDir))
            throw new UserInputException(runDir, null, File.Exists(runDir) ? "--model: is a file, not a run folder" : "--model: run folder not found");
        CliPaths.CheckOutputFile(output, "--output");
        var all = RunFolder.Checkpoints(runDir);
        if (all.Count < last)
            throw new UserInputException(Path.Combine(runDir, RunFolder.CheckpointsDir), null,
                $"--last {last}: only {all.Count} checkpoint{(all.Count == 1 ? "" : "s")} here (the run keeps keep_checkpoints of them)");
        var chosen = all.Skip(all.Count - last).ToList();
        var ckpt = CheckpointAverager.AverageToFile(chosen, output);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"averaged {chosen.Count} checkpoints ({string.Join(", ", chosen.Select(Path.GetFileName))}) into {output} (step {ckpt.GlobalStep})"));
        return 0;
    }
}
