using EncDec.IO;
using EncDec.Nn;
using Xunit;

namespace EncDec.Tests.Cli;

[Collection(CliCollection.Name)]
public class PruneDistillCliTests
{
    private static (string Src, string Tgt, string Run) Trained(TempDir tmp)
    {
        var rng = new Random(13);
        var words = Enumerable.Range(0, 60).Select(_ => new string(Enumerable.Range(0, rng.Next(3, 6)).Select(_ => (char)('a' + rng.Next(5))).ToArray())).ToList();
        string src = tmp.Write("src.txt", string.Concat(words.Select(w => string.Join(' ', w.ToCharArray()) + "\n")));
        string tgt = tmp.Write("tgt.txt", string.Concat(words.Select(w => string.Join(' ', w.Reverse()) + "\n")));
        string run = tmp.File("run");
        CliRunner.Ok("train", "--train-src", src, "--train-tgt", tgt, "--tokenizer", "char", "--d-model", "32", "--layers", "1", "--heads", "2",
                     "--feed-forward", "64", "--dropout", "0", "--max-steps", "30", "--batch-size", "16", "--lr", "0.003", "--out", run);
        return (src, tgt, run);
    }

    [Fact]
    public void Prune_reaches_the_sparsity_unstructured_and_structured_and_refuses_bad_flags()
    {
        using var tmp = new TempDir();
        var (src, tgt, run) = Trained(tmp);
        string pruned = tmp.File("pruned");
        var r = CliRunner.Ok("prune", "--model", run, "--train-src", src, "--train-tgt", tgt, "--sparsity", "0.5", "--steps", "8",
                             "--checkpoint-every", "4", "--out", pruned);
        Assert.Contains("unstructured: 50.0% of", r.Stdout);
        var m = ModelStore.Load(pruned).Model;
        var weights = m.NamedModules().Select(x => x.Module).OfType<Linear>().Select(l => l.Weight).Distinct().SelectMany(w => w.ToArray()).ToArray();
        Assert.InRange(weights.Count(v => v == 0f) / (double)weights.Length, 0.499, 0.52);

        var s = CliRunner.Ok("prune", "--model", run, "--train-src", src, "--train-tgt", tgt, "--sparsity", "0.5", "--structured", "heads,ffn",
                             "--steps", "4", "--out", tmp.File("structured"));
        Assert.Contains("heads: 50.0% of 6 pruned", s.Stdout);
        Assert.Contains("ffn: 50.0% of 128 pruned", s.Stdout);
        Assert.Contains("shrunk:", s.Stdout);
        var small = ModelStore.Load(tmp.File("structured"));
        Assert.True(small.Model.ParameterCount < ModelStore.Load(run).Model.ParameterCount);
        Assert.Equal(new[] { 1 }, small.Config.Pruned!.EncoderHeads);                       // 2 heads → 1
        Assert.Equal(new[] { 32 }, small.Config.Pruned.DecoderFeedForward);                  // 64 neurons → 32
        var tr = CliRunner.Ok("translate", "--model", tmp.File("structured"), "--input", src);
        Assert.Equal(60, tr.Stdout.Count(ch => ch == '\n'));                                 // one line per source line

        Assert.Contains("--structured: 'rows'", CliRunner.Fails("prune", "--model", run, "--train-src", src, "--train-tgt", tgt, "--structured", "rows", "--out", tmp.File("b1")));
        Assert.Contains("--sparsity", CliRunner.Fails("prune", "--model", run, "--train-src", src, "--train-tgt", tgt, "--sparsity", "1", "--out", tmp.File("b2")));
        Assert.False(Directory.Exists(tmp.File("b1")));
    }

    [Fact]
    public void Distill_translates_the_source_with_the_teacher_in_chunks_and_trains_a_student_on_it()
    {
        using var tmp = new TempDir();
        var (src, _, run) = Trained(tmp);
        string student = tmp.File("student");
        var r = CliRunner.Ok("distill", "--teacher", run, "--train-src", src, "--out", student, "--beam", "2", "--chunk-lines", "25",
                             "--layers", "1", "--d-model", "16", "--feed-forward", "32", "--max-steps", "6", "--batch-size", "16", "--checkpoint-every", "3");
        Assert.Contains("teacher: chunk 3/3", r.Stdout);
        string teacherOut = Path.Combine(student, "distill", "train.teacher.txt");
        var outputs = File.ReadAllLines(teacherOut);
        Assert.Equal(60, outputs.Length);
        // the teacher file holds the teacher's beam-2 translations
        var direct = CliRunner.Ok("translate", "--model", run, "--input", src, "--beam", "2").Stdout.Split('\n')[..60];
        Assert.Equal(direct, outputs);
        Assert.Empty(Directory.GetFiles(Path.Combine(student, "distill"), "teacher.*.txt"));   // the chunks are joined
        var m = ModelStore.Load(student);
        Assert.Equal(16, m.Config.DModel);
        Assert.Equal(1, m.Config.EncoderLayers);
        Assert.Equal(6, m.Step);

        // a rerun reuses the teacher's outputs; the student run resumes (already done)
        var again = CliRunner.Ok("distill", "--teacher", run, "--train-src", src, "--out", student, "--beam", "2", "--chunk-lines", "25",
                                 "--layers", "1", "--d-model", "16", "--feed-forward", "32", "--max-steps", "6", "--batch-size", "16", "--checkpoint-every", "3");
        Assert.Contains("(from an earlier run)", again.Stdout);
        Assert.Contains("--beam", CliRunner.Fails("distill", "--teacher", run, "--train-src", src, "--out", tmp.File("b"), "--beam", "0"));
        Assert.Contains("--train-src", CliRunner.Fails("distill", "--teacher", run, "--train-src", tmp.File("missing.txt"), "--out", tmp.File("b")));
        Assert.False(Directory.Exists(tmp.File("b")));
    }
}
