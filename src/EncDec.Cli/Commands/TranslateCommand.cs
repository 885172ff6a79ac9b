using System.CommandLine;
using System.Globalization;
using System.Text;
using EncDec.Data;
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
                                 float LengthPenalty, int BatchSize, ulong Seed, float RepetitionPenalty, int NoRepeatNgram,
                                 TooLongPolicy TooLong = TooLongPolicy.Truncate)
    {
        /// <summary>What runs the model under EncDec's search (<c>--runtime</c>).</summary>
        public InferenceRuntimeKind Runtime { get; init; }
        /// <summary>Classifier guidance (<c>--guide</c> …); null = none.</summary>
        public GuideOptions? Guide { get; init; }
    }

    /// <summary>The flag of each <see cref="GenerationOptions"/> setting this command sets.</summary>
    private static readonly Dictionary<string, string> FlagOf = new(StringComparer.Ordinal)
    {
        [nameof(GenerationOptions.BeamSize)] = "--beam", [nameof(GenerationOptions.NBest)] = "--nbest",
        [nameof(GenerationOptions.RequiredPhrases)] = "--constraints", [nameof(GenerationOptions.MaxLength)] = "--max-len",
        [nameof(GenerationOptions.Temperature)] = "--temperature", [nameof(GenerationOptions.TopK)] = "--top-k",
        [nameof(GenerationOptions.TopP)] = "--top-p", [nameof(GenerationOptions.TypicalP)] = "--typical-p",
        [nameof(GenerationOptions.MinP)] = "--min-p", [nameof(GenerationOptions.RepetitionPenalty)] = "--repetition-penalty",
        [nameof(GenerationOptions.NoRepeatNgramSize)] = "--no-repeat-ngram", [nameof(GenerationOptions.LengthPenalty)] = "--length-penalty",
        [nameof(GenerationOptions.ForcedPrefix)] = "--prefix",
    };

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
        var tooLong = new Option<string>("--too-long")
        {
            Description = "An input line longer than the model's positions: truncate (cut it, with a warning counting them) | reject (an error naming the line)",
            DefaultValueFactory = _ => "truncate",
        };
        var guide = GuideOptions.Flags();
        var runtime = new Option<string>("--runtime") { Description = "native, or onnx: run a folder from `encdec export --format onnx` with ONNX Runtime", DefaultValueFactory = _ => "native" };
        var cmd = new Command("translate", "Decode source lines with a trained model (greedy, beam search or sampling).")
        { model, input, output, beam, nbest, sample, temperature, topK, topP, typical, minP, maxLen, constraints, prefix, lp, batch, seed, rep, nrng, tooLong, runtime };
        foreach (var op in guide.Options) cmd.Add(op);
        cmd.Aliases.Add("generate");
        cmd.SetAction(r => Run(new Options(r.GetValue(model)!, r.GetValue(input), r.GetValue(output), r.GetValue(beam), r.GetValue(nbest), r.GetValue(sample),
            r.GetValue(temperature), r.GetValue(topK), r.GetValue(topP), r.GetValue(typical), r.GetValue(minP), r.GetValue(maxLen), r.GetValue(constraints),
            r.GetValue(prefix), r.GetValue(lp), r.GetValue(batch), r.GetValue(seed), r.GetValue(rep), r.GetValue(nrng),
            CliEnum.Parse<TooLongPolicy>(r.GetValue(tooLong)!, "--too-long", "policy")) { Runtime = Commands.RuntimeModel.Parse(r.GetValue(runtime)!), Guide = guide.Read(r) },
            stdin, stdout, stderr));
        return cmd;
    }

    public static int Run(Options o, TextReader stdin, TextWriter stdout, TextWriter? stderr = null)
    {
        stderr ??= TextWriter.Null;
        // every flag is checked before the model is loaded or anything is read or written
        if (o.Beam < 1) throw new UserInputException($"--beam must be at least 1, got {o.Beam}");
        if (o.NBest < 1) throw new UserInputException($"--nbest must be at least 1, got {o.NBest}");
        if (!o.Sample && o.NBest > o.Beam) throw new UserInputException($"--nbest {o.NBest} needs --beam of at least {o.NBest}");
        if (o.Sample && o.Constraints is not null) throw new UserInputException("--constraints need beam search: drop --sample (or --constraints)");
        if (o.BatchSize < 1) throw new UserInputException($"--batch-size must be at least 1, got {o.BatchSize}");
        var baseOptions = new GenerationOptions
        {
            Strategy = o.Sample ? DecodingStrategy.Sample : o.Beam > 1 || o.Constraints is not null ? DecodingStrategy.Beam : DecodingStrategy.Greedy,
            BeamSize = Math.Max(o.Beam, o.Constraints is not null ? 4 : 1), NBest = o.NBest, LengthPenalty = o.Beam > 1 ? o.LengthPenalty : 0,
            MaxLength = o.MaxLen, Temperature = o.Temperature, TopK = o.TopK, TopP = o.TopP, TypicalP = o.TypicalP, MinP = o.MinP, Seed = o.Seed,
            RepetitionPenalty = o.RepetitionPenalty, NoRepeatNgramSize = o.NoRepeatNgram,
        };
        if (baseOptions.Problems().FirstOrDefault() is ({ } setting, { } problem))
            throw new UserInputException($"{FlagOf.GetValueOrDefault(setting, setting)}: {problem}");
        o.Guide?.Validate();
        if (o.Input is not null) CliPaths.CheckInputFile(o.Input, "--input");
        if (o.Constraints is not null) CliPaths.CheckInputFile(o.Constraints, "--constraints");
        var output = o.Output is null ? null : OutputTarget.For(o.Output, "--output");

        int maxSource = int.MaxValue;
        Commands.RuntimeModel loaded;
        if (o.Runtime == InferenceRuntimeKind.Native)
        {
            var native = ModelStore.Load(o.Model);
            if (native.Model is not ISeq2SeqModel nativeModel) throw new UserInputException($"{native.Path}: a {native.Config.Family} model cannot translate");
            if (native.SourceTokenizer is null || native.TargetTokenizer is null) throw new UserInputException($"{native.Path}: the checkpoint has no tokenizers");
            if (native.NonFiniteTensors.Count > 0)
                throw new UserInputException(native.Path, null, $"{ModelHealth.Describe(native)}: the training diverged; use an earlier checkpoint");
            maxSource = Math.Max(1, native.Config.MaxPositions - 2);   // positions of BOS/EOS aside, as in training
            loaded = new Commands.RuntimeModel(nativeModel, native.SourceTokenizer, native.TargetTokenizer, native.Path);
        }
        else loaded = Commands.RuntimeModel.Load(o.Model, o.Runtime);
        using var disposeModel = loaded;
        var seq = loaded.Model;
        var lines = o.Input is null ? ReadAll(stdin) : Utf8LineReader.ReadAllLines(o.Input, MetricFiles.MaxLineChars);
        var tgt = loaded.Target;
        if (o.Guide is not null) baseOptions = baseOptions with { LogitsProcessors = [.. baseOptions.LogitsProcessors, o.Guide.Processor(tgt, baseOptions.EosId)] };
        var translator = new Translator(seq, loaded.Source, tgt, baseOptions, o.BatchSize) { MaxSourceTokens = maxSource };
        if (o.TooLong == TooLongPolicy.Reject)
            for (int i = 0; i < lines.Count; i++)
                if (translator.EncodeSource(lines[i]).Length is var n && n > maxSource)
                    throw new UserInputException(o.Input ?? "<stdin>", i + 1,
                        string.Create(CultureInfo.InvariantCulture, $"{n:N0} tokens, more than the {maxSource:N0} the model takes (--too-long truncate cuts such lines)"));
        List<string>? constraintLines = null;
        if (o.Constraints is not null)
        {
            constraintLines = Utf8LineReader.ReadAllLines(o.Constraints, MetricFiles.MaxLineChars);
            if (constraintLines.Count != lines.Count) throw new UserInputException(o.Constraints, null, $"has {constraintLines.Count} lines but the input has {lines.Count}");
        }
        // the translator encodes the prefix and the phrases (tab-separated on each constraints line) with the target tokenizer
        var requests = lines.Select((line, i) => new TranslationRequest(line)
        {
            Prefix = o.Prefix,
            RequiredPhrases = constraintLines?[i].Split('\t', StringSplitOptions.RemoveEmptyEntries),
        }).ToList();
        var results = new List<Translation>(lines.Count);
        var ui = new Ui(stdout);
        bool showProgress = o.Input is not null && o.Output is not null && ui.Interactive;
        void Decode(Action<int>? progress) => results.AddRange(translator.Translate(requests, progress));
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
        int cut = results.Count(r => r.SourceTruncated);
        if (cut > 0)
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warning: {cut} input line{(cut == 1 ? " was" : "s were")} longer than the {maxSource:N0} tokens the model takes and ")
                             + $"{(cut == 1 ? "was" : "were")} cut to that length (--too-long reject refuses them)");
        if (output is null) stdout.Write(sb.ToString());
        else output.WriteAllText(sb.ToString(), stdout);
        return 0;
    }

    private static List<string> ReadAll(TextReader r)
    {
        var l = new List<string>();
        while (r.ReadLine() is { } line) l.Add(line);
        return l;
    }
}
