using System.CommandLine;
using EncDec.Interop.PyTorch;
using EncDec.IO;
using EncDec.Nn;
using EncDec.Text;

namespace EncDec.Cli.Commands;

/// <summary>
/// <c>encdec import --from pytorch --mapping transformer|lstm --weights STATE.safetensors [--heads H --norm post|pre] --output MODEL</c>:
/// a PyTorch state dict (see <see cref="PyTorchMapping"/>) as an EncDec model file, with optional tokenizers.
/// </summary>
internal static class ImportCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var from = new Option<string>("--from") { Description = "Framework of the weights: pytorch", DefaultValueFactory = _ => "pytorch" };
        var mapping = new Option<string>("--mapping") { Description = "Module layout of the state dict: transformer or lstm (see README)", DefaultValueFactory = _ => "transformer" };
        var weights = new Option<string>("--weights") { Description = "The state dict, as safetensors", Required = true };
        var heads = new Option<int>("--heads") { Description = "Attention heads of the transformer mapping (not visible in the weights)" };
        var norm = new Option<string>("--norm") { Description = "post (norm_first=False) or pre (norm_first=True)", DefaultValueFactory = _ => "post" };
        var srcTok = new Option<string?>("--src-tokenizer") { Description = "Source tokenizer (JSON or spm:FILE) to store with the model" };
        var tgtTok = new Option<string?>("--tgt-tokenizer") { Description = "Target tokenizer (JSON or spm:FILE)" };
        var output = new Option<string>("--output") { Description = "EncDec model file to write", Required = true };
        var cmd = new Command("import", "Import weights trained elsewhere (a PyTorch state dict) as an EncDec model file.") { from, mapping, weights, heads, norm, srcTok, tgtTok, output };
        cmd.SetAction(r =>
        {
            CliEnum.Parse<ImportSource>(r.GetValue(from)!, "--from", "source");
            var map = CliEnum.Parse<PyTorchMapping>(r.GetValue(mapping)!, "--mapping", "mapping");
            var n = CliEnum.Parse<NormPosition>(r.GetValue(norm)!, "--norm", "norm position");
            if (map == PyTorchMapping.Transformer && r.GetResult(heads) is null) throw new UserInputException("--heads: the transformer mapping needs the number of attention heads");
            string outPath = r.GetValue(output)!;
            CliPaths.CheckOutputFile(outPath, "--output");
            string w = r.GetValue(weights)!;
            if (!File.Exists(w)) throw new UserInputException(w, null, "--weights: file not found");
            var src = r.GetValue(srcTok) is { } s ? Tokenizer.Load(s) : null;
            var tgt = r.GetValue(tgtTok) is { } t ? Tokenizer.Load(t) : null;
            var (model, config) = PyTorchWeights.Import(w, map, r.GetValue(heads), n);
            ModelStore.Save(outPath, model, config, src, tgt);
            stdout.WriteLine($"imported {w} ({model.ParameterCount:N0} parameters, {config.EncoderLayers}+{config.DecoderLayers} layers, d {config.DModel}) into {outPath}");
            return 0;
        });
        return cmd;
    }
}
