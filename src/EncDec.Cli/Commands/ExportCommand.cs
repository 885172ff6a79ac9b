using System.CommandLine;
using EncDec.Interop.Onnx;
using EncDec.IO;

namespace EncDec.Cli.Commands;

/// <summary>Formats <c>encdec export</c> writes.</summary>
public enum ExportFormat { Onnx, Pytorch }

/// <summary>
/// <c>encdec export --model RUN --format onnx|pytorch --output DIR|FILE</c>: ONNX (an encoder graph, a decoder-step graph
/// with explicit caches, the tokenizers and <c>encdec-onnx.json</c>) or a safetensors state dict with PyTorch's names
/// (<c>--mapping</c>, see <see cref="PyTorchMapping"/>).
/// </summary>
internal static class ExportCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "Run folder or model file", Required = true };
        var format = new Option<string>("--format") { Description = "onnx or pytorch", DefaultValueFactory = _ => "onnx" };
        var output = new Option<string>("--output") { Description = "Folder (onnx) or .safetensors file (pytorch) to write", Required = true };
        var mapping = new Option<string>("--mapping") { Description = "PyTorch name mapping: transformer or lstm-attention (pytorch format)", DefaultValueFactory = _ => "auto" };
        var cmd = new Command("export", "Export a model to ONNX (run it with ONNX Runtime) or to a PyTorch state dict.") { model, format, output, mapping };
        cmd.SetAction(r => Run(r.GetValue(model)!, CliEnum.Parse<ExportFormat>(r.GetValue(format)!, "--format", "format"), r.GetValue(output)!, r.GetValue(mapping)!, stdout));
        return cmd;
    }

    public static int Run(string modelPath, ExportFormat format, string output, string mapping, TextWriter stdout)
    {
        var loaded = ModelStore.Load(modelPath);
        if (format == ExportFormat.Onnx)
        {
            if (File.Exists(output)) throw new UserInputException(output, null, "--output: is a file; ONNX export writes a folder");
            if (loaded.SourceTokenizer is null || loaded.TargetTokenizer is null) throw new UserInputException($"{loaded.Path}: the checkpoint has no tokenizers");
            var info = OnnxExporter.Export(loaded.Model, loaded.Config, loaded.SourceTokenizer, loaded.TargetTokenizer, output);
            stdout.WriteLine($"exported {loaded.Config.Family.ToString().ToLowerInvariant()} model {loaded.Path} to {output}: {info.EncoderFile}, {info.DecoderFile} (opset {info.Opset}), {OnnxModelInfo.FileName}");
            return 0;
        }
        return ExportPyTorch(loaded, output, mapping, stdout);
    }

    private static int ExportPyTorch(LoadedModel loaded, string output, string mapping, TextWriter stdout)
        => throw new UserInputException("--format pytorch: not available yet");
}
