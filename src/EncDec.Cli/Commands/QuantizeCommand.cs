using System.CommandLine;
using System.Globalization;
using EncDec.IO;
using EncDec.Models;

namespace EncDec.Cli;

/// <summary>
/// <c>encdec quantize --model RUN|FILE --output FILE [--keep-float NAMES]</c>: writes an int8 model file
/// (<see cref="Int8Checkpoint"/>: per-output-channel symmetric int8 Linear weights with their scales, config and
/// tokenizers inside) that <c>translate</c>, <c>serve</c> and <c>info</c> load like a float one.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "Trained run folder or float model file", Required = true };
        var output = new Option<string>("--output") { Description = "Int8 model file to write (atomically)", Required = true };
        var keep = new Option<string?>("--keep-float")
        { Description = "Comma-separated layer names (state-dict prefixes, e.g. generator or an embedding such as src_embed) kept float32; naming a tied output layer keeps its shared embedding float too" };
        var cmd = new Command("quantize", "Write an int8 copy of a Transformer or RNN model (per-output-channel int8 Linear weights).") { model, output, keep };
        cmd.SetAction(r => Run(r.GetValue(model)!, r.GetValue(output)!, r.GetValue(keep), stdout));
        return cmd;
    }

    public static int Run(string modelPath, string output, string? keepFloat, TextWriter stdout)
    {
        CliPaths.CheckOutputFile(output, "--output");
        var keep = (keepFloat ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var loaded = ModelStore.Load(modelPath);
        if (loaded.Int8Layers > 0) throw new UserInputException(loaded.Path, null, "--model: is already an int8 model file");
        if (loaded.Config.Family is not (ModelFamily.Transformer or ModelFamily.Rnn))
            throw new UserInputException(loaded.Path, null, $"--model: a {loaded.Config.Family} model cannot be quantised (Transformer and RNN models can)");
        if (loaded.NonFiniteTensors.Count > 0)
            throw new UserInputException(loaded.Path, null, $"--model: weight '{loaded.NonFiniteTensors[0]}' holds NaN or infinite values");
        var names = loaded.Model.NamedModules().Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var k in keep)
            if (!names.Contains(k)) throw new UserInputException($"--keep-float: '{k}' is not a layer of the model (e.g. generator)");
        if (Int8Checkpoint.Quantizable(loaded.Model, keep).Count == 0)
            throw new UserInputException(loaded.Path, null, "--model: no Linear layer is left to quantise");
        var layers = Int8Checkpoint.Save(output, loaded.Model, loaded.Config, loaded.SourceTokenizer, loaded.TargetTokenizer, loaded.Step, keep, out var tables);
        long before = new FileInfo(loaded.Path).Length, after = new FileInfo(output).Length;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"quantised {layers.Count} linear layers to int8 (and {tables.Count} embedding table{(tables.Count == 1 ? "" : "s")}, per row) into {output}: {after:N0} bytes, {100.0 * after / before:F1}% of {loaded.Path} ({before:N0} bytes)"));
        return 0;
    }
}
