using System.CommandLine;
using System.Globalization;
using System.Text;
using EncDec.IO;
using EncDec.Metrics;

namespace EncDec.Cli;

/// <summary><c>encdec classify</c>: the label (and its probability) of each input line under a trained classifier.</summary>
internal static class ClassifyCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var model = new Option<string>("--model") { Description = "Classifier run folder or model file (encdec classify-train)", Required = true };
        var input = new Option<string?>("--input") { Description = "Text file, one text per line (default: stdin)" };
        var cmd = new Command("classify", "Print LABEL<TAB>PROBABILITY for each input line under a trained classifier.") { model, input };
        cmd.SetAction(r => Run(r.GetValue(model)!, r.GetValue(input), stdin, stdout));
        return cmd;
    }

    public static int Run(string modelPath, string? input, TextReader stdin, TextWriter stdout)
    {
        if (input is not null) CliPaths.CheckInputFile(input, "--input");
        var loaded = ModelStore.LoadClassifier(modelPath);
        var lines = input is null ? ReadAll(stdin) : MetricFiles.ReadLines(input).ToList();
        var c = loaded.Classifier;
        var sb = new StringBuilder();
        for (int at = 0; at < lines.Count; at += 64)
        {
            var chunk = lines.Skip(at).Take(64).Select(l => loaded.Tokenizer.Encode(l)).ToList();
            var lp = c.LogProbs(chunk);
            for (int i = 0; i < chunk.Count; i++)
            {
                int best = 0;
                for (int j = 1; j < c.NumClasses; j++) if (lp[i * c.NumClasses + j] > lp[i * c.NumClasses + best]) best = j;
                sb.Append(c.Labels[best]).Append('\t').Append(Math.Exp(lp[i * c.NumClasses + best]).ToString("F4", CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        stdout.Write(sb.ToString());
        return 0;
    }

    private static List<string> ReadAll(TextReader r)
    {
        var l = new List<string>();
        while (r.ReadLine() is { } line) l.Add(line);
        return l;
    }
}
