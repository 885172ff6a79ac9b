using System.CommandLine;
using System.Globalization;
using EncDec.Generation;
using EncDec.IO;
using EncDec.Metrics;
using EncDec.Models;

namespace EncDec.Cli;

/// <summary>
/// <c>encdec distill --teacher RUN --train-src F --out RUN2 [--beam 5] [--chunk-lines 500] [train flags]</c>: sequence-level
/// knowledge distillation (Kim &amp; Rush, 2016). The teacher translates the training source with beam search in chunks of
/// lines, each chunk written atomically under <c>OUT/distill/</c> (a stopped run resumes at the first missing chunk), the
/// chunks are joined into <c>OUT/distill/train.teacher.txt</c>, and a student (by default the teacher's architecture with
/// 2 encoder and 2 decoder layers, the teacher's tokenizers) is trained on the teacher's outputs by <c>encdec train</c>'s
/// run (every train flag applies; validation, with <c>--valid-src/--valid-tgt</c>, scores against the real references).
/// </summary>
internal static class DistillCommand
{
    /// <summary>The train flags a student takes (its data and tokenizers come from the teacher).</summary>
    private static readonly HashSet<string> NotForStudent = new(StringComparer.Ordinal)
    {
        "--data", "--train-tgt", "--train-text", "--valid-text", "--control", "--model", "--distributed", "--tokenizer", "--vocab-size",
        "--joint-vocab", "--src-tokenizer", "--tgt-tokenizer", "--init-encoder", "--hidden-size", "--cell", "--attention", "--context",
        "--bidirectional", "--input-feeding", "--mask-probability",
    };

    public const string Folder = "distill";
    public const string TeacherFile = "train.teacher.txt";

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var teacher = new Option<string>("--teacher") { Description = "Trained teacher: run folder or model file (a Transformer encoder-decoder)", Required = true };
        var beam = new Option<int>("--beam") { Description = "Beam size of the teacher's translations", DefaultValueFactory = _ => 5 };
        var chunk = new Option<int>("--chunk-lines") { Description = "Source lines per teacher chunk (each written atomically; a rerun resumes)", DefaultValueFactory = _ => 500 };
        var tbatch = new Option<int>("--teacher-batch") { Description = "Sentences per teacher decoding batch", DefaultValueFactory = _ => 32 };
        var flags = new SpecFlags(name => !NotForStudent.Contains(name) && !Commands.VisionTrainFlags.Names.Contains(name));
        var cmd = new Command("distill", "Sequence-level knowledge distillation: translate the training source with a teacher (beam search), train a smaller student on its outputs.")
        { teacher, beam, chunk, tbatch };
        foreach (var op in flags.Options) cmd.Add(op);
        cmd.SetAction((r, ct) =>
        {
            var teacherPath = r.GetValue(teacher)!;
            int b = r.GetValue(beam), c = r.GetValue(chunk), tb = r.GetValue(tbatch);
            return Task.FromResult(Run(teacherPath, b, c, tb, spec => flags.Apply(r, spec), stdout, ct));
        });
        return cmd;
    }

    internal static int Run(string teacherPath, int beam, int chunkLines, int teacherBatch, Action<TrainSpec> applyFlags, TextWriter stdout, CancellationToken cancel)
    {
        if (beam < 1) throw new UserInputException($"--beam must be at least 1, got {beam}");
        if (chunkLines < 1) throw new UserInputException($"--chunk-lines must be at least 1, got {chunkLines}");
        if (teacherBatch < 1) throw new UserInputException($"--teacher-batch must be at least 1, got {teacherBatch}");
        var ui = new Ui(stdout);
        var loaded = ModelStore.LoadSeq2Seq(teacherPath);
        var tc = loaded.Config;
        if (tc.Family != ModelFamily.Transformer)
            throw new UserInputException(loaded.Path, null, $"--teacher: a {tc.Family} model cannot teach (a Transformer encoder-decoder can)");
        // the student: the teacher's architecture with 2 + 2 layers unless flags say otherwise
        var spec = new TrainSpec
        {
            Model = "transformer", DModel = tc.DModel, Heads = tc.Heads, FeedForward = tc.FeedForward, Dropout = tc.Dropout, Layers = 2,
            Norm = CliEnum.Name(tc.Norm), Activation = CliEnum.Name(tc.Activation), Positions = CliEnum.Name(tc.Positional),
            TieOutput = tc.TieOutput, FinalNorm = tc.FinalNorm, ShareEmbeddings = tc.ShareEmbeddings,
        };
        applyFlags(spec);
        if (spec.TrainSrc is null) throw new UserInputException("--train-src is required");
        CliPaths.CheckInputFile(spec.TrainSrc, "--train-src");
        if (File.Exists(spec.Out)) throw new UserInputException(spec.Out, null, "--out: is a file, not a run folder");
        spec.Validate();
        TrainPlan.CheckBeforeWork(spec);   // a bad student setting fails before the teacher translates anything

        var lines = MetricFiles.ReadLines(spec.TrainSrc).ToList();
        if (lines.Count == 0) throw new UserInputException(spec.TrainSrc, null, "--train-src: no lines");
        CliPaths.CreateRunFolder(spec.Out, "--out");
        string dir = Path.Combine(spec.Out, Folder);
        Directory.CreateDirectory(dir);
        string srcTok = Path.Combine(dir, "source.tokenizer.json"), tgtTok = Path.Combine(dir, "target.tokenizer.json");
        AtomicFile.WriteAllText(srcTok, loaded.SourceTokenizer.ToJson());
        AtomicFile.WriteAllText(tgtTok, loaded.TargetTokenizer.ToJson());

        string joined = Path.Combine(dir, TeacherFile);
        if (!TeacherOutputFits(joined, lines.Count))
        {
            var options = new GenerationOptions
            {
                Strategy = beam > 1 ? DecodingStrategy.Beam : DecodingStrategy.Greedy, BeamSize = beam, LengthPenalty = beam > 1 ? 0.6f : 0f,
                MaxLength = Math.Max(1, Math.Min(spec.MaxLength * 2, tc.MaxPositions - 2)),
            };
            var translator = new Translator(loaded.Model, loaded.SourceTokenizer, loaded.TargetTokenizer, options, teacherBatch) { MaxSourceTokens = Math.Max(1, tc.MaxPositions - 2) };
            int chunks = (lines.Count + chunkLines - 1) / chunkLines, resumed = 0;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int c = 0; c < chunks; c++)
            {
                cancel.ThrowIfCancellationRequested();
                string path = ChunkPath(dir, c);
                int n = Math.Min(chunkLines, lines.Count - c * chunkLines);
                if (TeacherOutputFits(path, n)) { resumed++; continue; }
                var outputs = translator.Translate(lines.GetRange(c * chunkLines, n)).Select(t => OneLine(t.NBest[0].Text));
                AtomicFile.WriteAllText(path, string.Concat(outputs.Select(o => o + "\n")));
                ui.Line(string.Create(CultureInfo.InvariantCulture, $"teacher: chunk {c + 1}/{chunks} ({Math.Min((c + 1) * chunkLines, lines.Count):N0} of {lines.Count:N0} lines, {clock.Elapsed.TotalSeconds:F0} s)"));
            }
            var all = new System.Text.StringBuilder();
            for (int c = 0; c < chunks; c++) all.Append(File.ReadAllText(ChunkPath(dir, c)));
            AtomicFile.WriteAllText(joined, all.ToString());
            for (int c = 0; c < chunks; c++) File.Delete(ChunkPath(dir, c));
            string from = resumed > 0 ? $" ({resumed} chunks from an earlier run)" : "";
            ui.Line(string.Create(CultureInfo.InvariantCulture, $"teacher {loaded.Path}: translated {lines.Count:N0} lines (beam {beam}) into {joined}{from}"));
        }
        else ui.Line($"teacher outputs: {joined} (from an earlier run)");

        spec.TrainTgt = joined;
        spec.SrcTokenizer = srcTok; spec.TgtTokenizer = tgtTok;
        spec.JointVocab = tc.ShareEmbeddings;
        return TrainCommand.Run(spec, stdout, cancel);
    }

    private static string ChunkPath(string dir, int c) => Path.Combine(dir, $"teacher.{c:D5}.txt");

    /// <summary>A teacher output file is complete when it has one line per source line (it is written atomically).</summary>
    private static bool TeacherOutputFits(string path, int lines) => File.Exists(path) && File.ReadLines(path).Count() == lines;

    private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ');
}
