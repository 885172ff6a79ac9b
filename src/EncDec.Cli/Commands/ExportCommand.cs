using System.CommandLine;
using EncDec.Interop.Onnx;
using EncDec.IO;

namespace EncDec.Cli.Commands;

/// <summary>
/// <c>encdec export --model RUN --format onnx --output DIR</c>: an encoder graph, a decoder-step graph with explicit caches,
/// the tokenizers and <c>encdec-onnx.json</c> (see <see cref="OnnxExporter"/>).
/// </summary>
internal static class ExportCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "Run folder or model file", Required = true };
        var format = new Option<string>("--format") { Description = "onnx (a folder) or pytorch (a safetensors state dict with PyTorch names)", DefaultValueFactory = _ => "onnx" };
        var output = new Option<string>("--output") { Description = "Folder (onnx) or .safetensors file (pytorch) to write", Required = true };
        var cmd = new Command("export", "Export a model to ONNX (an encoder and a decoder-step graph) to run it with ONNX Runtime.") { model, format, output };
        cmd.SetAction(r => Run(r.GetValue(model)!, CliEnum.Parse<ExportFormat>(r.GetValue(format)!, "--format", "format"), r.GetValue(output)!, stdout));
        return cmd;
    }

    public static int Run(string modelPath, ExportFormat format, string output, TextWriter stdout)
    {
        if (format == ExportFormat.Pytorch)
        {   // the weights with PyTorch's names (the transformer mapping, see PyTorchMapping)
            CliPaths.CheckOutputFile(output, "--output");
            var m = ModelStore.Load(modelPath);
            int count = EncDec.Interop.PyTorch.PyTorchWeights.Export(m.Model, m.Config, output);
            stdout.WriteLine($"exported {count} tensors of {m.Path} with PyTorch names ({(m.Config.Family == EncDec.Models.ModelFamily.Rnn ? "lstm" : "transformer")} mapping) to {output}");
            return 0;
        }
        if (File.Exists(output)) throw new UserInputException(output, null, "--output: is a file; ONNX export writes a folder");
        var loaded = ModelStore.Load(modelPath);
        if (loaded.SourceTokenizer is null || loaded.TargetTokenizer is null) throw new UserInputException($"{loaded.Path}: the checkpoint has no tokenizers");
        var info = OnnxExporter.Export(loaded.Model, loaded.Config, loaded.SourceTokenizer, loaded.TargetTokenizer, output);
        stdout.WriteLine($"exported {loaded.Config.Family.ToString().ToLowerInvariant()} model {loaded.Path} to {output}: {info.EncoderFile}, {info.DecoderFile} (opset {info.Opset}), {OnnxModelInfo.FileName}");
        return 0;
    }
}
