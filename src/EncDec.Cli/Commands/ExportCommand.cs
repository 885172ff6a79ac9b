using System.CommandLine;
using EncDec.Interop.Onnx;
using EncDec.IO;

namespace EncDec.Cli.Commands;

/// <summary>Formats <c>encdec export</c> writes.</summary>
public enum ExportFormat { Onnx }

/// <summary>
/// <c>encdec export --model RUN --format onnx --output DIR</c>: an encoder graph, a decoder-step graph with explicit caches,
/// the tokenizers and <c>encdec-onnx.json</c> (see <see cref="OnnxExporter"/>).
/// </summary>
internal static class ExportCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "Run folder or model file", Required = true };
        var format = new Option<string>("--format") { Description = "Export format: onnx", DefaultValueFactory = _ => "onnx" };
        var output = new Option<string>("--output") { Description = "Folder to write", Required = true };
        var cmd = new Command("export", "Export a model to ONNX (an encoder and a decoder-step graph) to run it with ONNX Runtime.") { model, format, output };
        cmd.SetAction(r => Run(r.GetValue(model)!, CliEnum.Parse<ExportFormat>(r.GetValue(format)!, "--format", "format"), r.GetValue(output)!, stdout));
        return cmd;
    }

    public static int Run(string modelPath, ExportFormat format, string output, TextWriter stdout)
    {
        if (format != ExportFormat.Onnx) throw new UserInputException($"--format: unsupported format {format}");
        if (File.Exists(output)) throw new UserInputException(output, null, "--output: is a file; ONNX export writes a folder");
        var loaded = ModelStore.Load(modelPath);
        if (loaded.SourceTokenizer is null || loaded.TargetTokenizer is null) throw new UserInputException($"{loaded.Path}: the checkpoint has no tokenizers");
        var info = OnnxExporter.Export(loaded.Model, loaded.Config, loaded.SourceTokenizer, loaded.TargetTokenizer, output);
        stdout.WriteLine($"exported {loaded.Config.Family.ToString().ToLowerInvariant()} model {loaded.Path} to {output}: {info.EncoderFile}, {info.DecoderFile} (opset {info.Opset}), {OnnxModelInfo.FileName}");
        return 0;
    }
}
