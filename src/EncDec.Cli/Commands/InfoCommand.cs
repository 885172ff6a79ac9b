using System.CommandLine;
using System.Globalization;
using EncDec.IO;

namespace EncDec.Cli;

/// <summary><c>encdec info</c>: what a model file or run folder holds.</summary>
internal static class InfoCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("model") { Description = "Run folder or model/checkpoint file" };
        var cmd = new Command("info", "Show a model's architecture, parameter count, config and vocabulary sizes.") { model };
        cmd.SetAction(r =>
        {
            var m = ModelStore.Load(r.GetValue(model)!);
            var ui = new Ui(stdout);
            ui.Table($"model {m.Path}", new (string, string)[]
            {
                ("architecture", ModelDescription.Describe(m.Config)),
                ("parameters", m.Model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)),
                ("tensors", m.Model.NamedParameters().Count().ToString(CultureInfo.InvariantCulture)),
                ("precision", m.Int8Layers > 0 ? $"int8 ({m.Int8Layers} linear layers, per output channel), the rest float32" : "float32"),
                ("training step", m.Step.ToString(CultureInfo.InvariantCulture)),
                ("weights", ModelHealth.Describe(m) + (m.NonFiniteTensors.Count > 0 ? ": the training diverged; translate refuses this model" : "")),
                ("source vocabulary", m.SourceTokenizer is null ? "-" : $"{m.SourceTokenizer.Vocab.Count} ({m.SourceTokenizer.Kind.ToString().ToLowerInvariant()})"),
                ("target vocabulary", m.TargetTokenizer is null ? "-" : $"{m.TargetTokenizer.Vocab.Count} ({m.TargetTokenizer.Kind.ToString().ToLowerInvariant()})"),
            });
            stdout.WriteLine("config:");
            stdout.WriteLine(m.Config.ToJson());
            return 0;
        });
        return cmd;
    }
}
