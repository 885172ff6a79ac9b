using EncDec.Cli;
using Xunit;

namespace EncDec.Tests.Cli;

public class FinetuneCliTests
{
    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Finetune_continues_a_trained_run_with_scst_and_mrt_into_its_own_run_folder()
    {
        using var tmp = new TempDir();
        var rng = new Random(5);
        var words = Enumerable.Range(0, 80).Select(_ => new string(Enumerable.Range(0, rng.Next(3, 7)).Select(_ => (char)('a' + rng.Next(6))).ToArray())).ToList();
        string src = tmp.Write("src.txt", string.Concat(words.Select(w => string.Join(' ', w.ToCharArray()) + "\n")));
        string tgt = tmp.Write("tgt.txt", string.Concat(words.Select(w => string.Join(' ', w.Reverse()) + "\n")));
        string baseRun = tmp.File("base");
        var t = Cli("train", "--train-src", src, "--train-tgt", tgt, "--tokenizer", "char", "--d-model", "32", "--layers", "1", "--heads", "2",
                    "--feed-forward", "64", "--dropout", "0", "--max-steps", "30", "--batch-size", "16", "--out", baseRun);
        Assert.True(t.Code == 0, t.Out + t.Err);

        foreach (var objective in new[] { "scst", "mrt" })
        {
            string run = tmp.File("ft-" + objective);
            var f = Cli("finetune", "--model", baseRun, "--train-src", src, "--train-tgt", tgt, "--valid-src", src, "--valid-tgt", tgt,
                        "--objective", objective, "--reward", "chrf", "--samples", "3", "--max-steps", "4", "--max-len", "12",
                        "--valid-every", "0", "--checkpoint-every", "2", "--out", run);
            Assert.True(f.Code == 0, f.Out + f.Err);
            Assert.Contains("done: 4 steps", f.Out);
            Assert.True(File.Exists(Path.Combine(run, "model.safetensors")));
            Assert.Contains("\"step\":4,", File.ReadLines(Path.Combine(run, "metrics.jsonl")).Last(l => l.Contains("\"type\":\"step\"", StringComparison.Ordinal)));
            // raising --max-steps resumes the fine-tuning from its own last checkpoint
            var again = Cli("finetune", "--model", baseRun, "--train-src", src, "--train-tgt", tgt, "--objective", objective, "--reward", "chrf",
                            "--samples", "3", "--max-steps", "6", "--max-len", "12", "--valid-every", "0", "--checkpoint-every", "2", "--out", run);
            Assert.True(again.Code == 0, again.Out + again.Err);
            Assert.Contains("resuming from", again.Out);
            Assert.Contains("done: 6 steps", again.Out);
        }

        var bad = Cli("finetune", "--model", baseRun, "--train-src", src, "--train-tgt", tgt, "--objective", "ppo", "--out", tmp.File("bad"));
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("--objective", bad.Err + bad.Out);
        Assert.DoesNotContain("   at ", bad.Err + bad.Out);
        Assert.False(Directory.Exists(tmp.File("bad")));
    }
}
