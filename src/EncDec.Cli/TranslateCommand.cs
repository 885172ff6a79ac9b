using System.CommandLine;
using System.Globalization;
using System.Text;
using EncDec.Generation;
using EncDec.IO;
using EncDec.Metrics;
using EncDec.Models;
using Spectre.Console;

namespace EncDec.Cli;

/// <summary><c>encdec translate</c> (alias <c>generate</c>): decodes lines with a trained model.</summary>
internal static class TranslateCommand
{
    public sealed record Options(string Model, string? Input, string? Output, int Beam, int NBest, bool Sample, float Temperature,
                                 int TopK, float TopP, float TypicalP, float MinP, int MaxLen, string? Constraints, string? Prefix,
                                 float LengthPenalty, int BatchSize, ulong Seed, float RepetitionPenalty, int NoRepeatNgram);

    public static Command Build(TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var model = new Option<string>("--model") { Description = "Run folder or model/checkpoint file", Required = true };
        var input = new Option<string?>("--input") { Description = "Source file (default: stdin)" };
        var output = new Option<string?>("--output") { Description = "Output file (default: stdout; written atomically)" };
        var beam = new Option<int>("--beam") { Description = "Beam size (1 = greedy)", DefaultValueFactory = _ => 1 };
        var nbest = new Option<int>("--nbest") { Description = "Hypotheses per line (printed as: line ||| text ||| score)", DefaultValueFactory = _ => 1 };
        var sample = new Option<bool>("--sample") { Description = "Sample instead of searching" };
        var temperature = new Option<float>("--temperature") { Description = "Softmax temperature", DefaultValueFactory = _ => 1f };
        var topK = new Option<int>("--top-k") { Description = "Sample from the k most likely tokens (0 = off)" };
        var topP = new Option<float>("--top-p") { Description = "Nucleus sampling mass (1 = off)", DefaultValueFactory = _ => 1f };
        var typical = new Option<float>("--typical-p") { Description = "Typical sampling mass (1 = off)", DefaultValueFactory = _ => 1f };
        var minP = new Option<float>("--min-p") { Description = "Min-p sampling threshold (0 = off)" };
        var maxLen = new Option<int>("--max-len") { Description = "Maximum output tokens", DefaultValueFactory = _ => 200 };
        var constraints = new Option<string?>("--constraints") { Description = "File with one line per input: required phrases separated by tabs" };
        var prefix = new Option<string?>("--prefix") { Description = "Forced start of every output" };
        var lp = new Option<float>("--length-penalty") { Description = "GNMT length penalty alpha (beam search)", DefaultValueFactory = _ => 0.6f };
        var batch = new Option<int>("--batch-size") { Description = "Sentences per batch", DefaultValueFactory = _ => 32 };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed", DefaultValueFactory = _ => 1UL };
        var rep = new Option<float>("--repetition-penalty") { Description = "CTRL repetition penalty (1 = off)", DefaultValueFactory = _ => 1f };
        var nrng = new Option<int>("--no-repeat-ngram") { Description = "Forbid repeating n-grams of this size (0 = off)" };
        var cmd = new Command("translate", "Decode source lines with a trained model (greedy, beam search or sampling).")
        { model, input, output, beam, nbest, sample, temperature, topK, topP, typical, minP, maxLen, constraints, prefix, lp, batch, seed, rep, nrng };
        cmd.Aliases.Add("generate");
        cmd.SetAction(r => Run(new Options(r.GetValue(model)!, r.GetValue(input), r.GetValue(output), r.GetValue(beam), r.GetValue(nbest), r.GetValue(sample),
            r.GetValue(temperature), r.GetValue(topK), r.GetValue(topP), r.GetValue(typical), r.GetValue(minP), r.GetValue(maxLen), r.GetValue(constraints),
            r.GetValue(prefix), r.GetValue(lp), r.GetValue(batch), r.GetValue(seed), r.GetValue(rep), r.GetValue(nrng)), stdin, stdout));
        return cmd;
    }

    public static int Run(Options o, TextReader stdin, TextWriter stdout)
    {
        if (o.Beam < 1) throw new UserInputException("--beam must be at least 1");
        if (o.NBest < 1) throw new UserInputException("--nbest must be at least 1");
        if (!o.Sample && o.NBest > o.Beam) throw new UserInputException($"--nbest {o.NBest} needs --beam of at least {o.NBest}");
        if (o.Output is not null) CliPaths.CheckOutputFile(o.Output, "--output");
        var loaded = ModelStore.LoadSeq2Seq(o.Model);   // a model that cannot translate, or has no tokenizers, is a user error
        var seq = loaded.Model;
        var lines = o.Input is null ? ReadAll(stdin) : MetricFiles.ReadLines(o.Input).ToList();
        var tgt = loaded.TargetTokenizer;
        IReadOnlyList<int[]> Phrases(string line) => line.Split('\t', StringSplitOptions.RemoveEmptyEntries).Select(p => tgt.Encode(p.Trim())).Where(p => p.Length > 0).ToList();
        List<IReadOnlyList<int[]>>? cons = null;
        if (o.Constraints is not null)
        {
            var cl = MetricFiles.ReadLines(o.Constraints).ToList();
            if (cl.Count != lines.Count) throw new UserInputException(o.Constraints, null, $"has {cl.Count} lines but the input has {lines.Count}");
            cons = cl.Select(Phrases).ToList();
        }
        var baseOptions = new GenerationOptions
        {
            Strategy = o.Sample ? DecodingStrategy.Sample : o.Beam > 1 || cons is not null ? DecodingStrategy.Beam : DecodingStrategy.Greedy,
            BeamSize = Math.Max(o.Beam, cons is not null ? 4 : 1), NBest = o.NBest, LengthPenalty = o.Beam > 1 ? o.LengthPenalty : 0,
            MaxLength = o.MaxLen, Temperature = o.Temperature, TopK = o.TopK, TopP = o.TopP, TypicalP = o.TypicalP, MinP = o.MinP, Seed = o.Seed,
            RepetitionPenalty = o.RepetitionPenalty, NoRepeatNgramSize = o.NoRepeatNgram,
            ForcedPrefix = o.Prefix is null ? Array.Empty<int>() : tgt.Encode(o.Prefix),
        };
        var results = new List<Translation>(lines.Count);
        var ui = new Ui(stdout);
        bool showProgress = o.Input is not null && o.Output is not null && ui.Interactive;
        void Decode(Action<int>? progress)
        {
            if (cons is null)
            {
                results.AddRange(new Translator(seq, loaded.SourceTokenizer, tgt, baseOptions, o.BatchSize).Translate(lines, progress));
                return;
            }
            for (int i = 0; i < lines.Count; i++)   // constraints differ per line
            {
                var t = new Translator(seq, loaded.SourceTokenizer, tgt, baseOptions with { RequiredPhrases = cons[i] }, 1);
                results.AddRange(t.Translate(new[] { lines[i] }));
                progress?.Invoke(i + 1);
            }
        }
        if (showProgress)
            AnsiConsole.Progress().Start(ctx => { var task = ctx.AddTask("translating", maxValue: lines.Count); Decode(n => task.Value = n); });
        else Decode(null);

        var sb = new StringBuilder();
        for (int i = 0; i < results.Count; i++)
        {
            if (o.NBest == 1) sb.Append(results[i].NBest.Count > 0 ? results[i].NBest[0].Text : "").Append('\n');
            else foreach (var c in results[i].NBest)
                sb.Append(i.ToString(CultureInfo.InvariantCulture)).Append(" ||| ").Append(c.Text).Append(" ||| ")
                  .Append(c.NormalizedScore.ToString("F4", CultureInfo.InvariantCulture)).Append('\n');
        }
        if (o.Output is null) stdout.Write(sb.ToString());
        else AtomicFile.WriteAllText(o.Output, sb.ToString());
        return 0;
    }

    private static List<string> ReadAll(TextReader r)
    {
        var l = new List<string>();
        while (r.ReadLine() is { } line) l.Add(line);
        return l;
    }
}

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
                ("architecture", DemoCommand.Describe(m.Config)),
                ("parameters", m.Model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)),
                ("tensors", m.Model.NamedParameters().Count().ToString(CultureInfo.InvariantCulture)),
                ("training step", m.Step.ToString(CultureInfo.InvariantCulture)),
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
