using EncDec.IO;
using EncDec.Models;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>
/// <c>classify-train</c> + <c>translate --guide</c>: a classifier of "more a-words than b-words" steers a small untrained
/// (near-uniform) model's sampled outputs; the outputs are judged by the rule itself.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class GuidanceCliTests
{
    private static readonly string[] A = ["ant", "ape", "asp", "auk", "axe"], B = ["bat", "bee", "boa", "bug", "bun"];

    private static bool MajorityA(string line)
    {
        var w = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return w.Count(A.Contains) > w.Count(B.Contains);
    }

    private static string Labelled(int n, int seed)
    {
        var rng = new Random(seed);
        var lines = Enumerable.Range(0, n).Select(_ =>
        {
            var text = string.Join(' ', Enumerable.Range(0, 4).Select(_ => rng.Next(2) == 0 ? A[rng.Next(5)] : B[rng.Next(5)]));
            return (MajorityA(text) ? "a" : "b") + "\t" + text;
        });
        return string.Join("\n", lines) + "\n";
    }

    [Fact]
    public void A_trained_classifier_steers_sampled_translations_towards_its_label()
    {
        using var tmp = new TempDir();
        string cls = tmp.File("cls");
        var t = CliRunner.Ok("classify-train", "--train-text", tmp.Write("train.tsv", Labelled(500, 1)), "--valid-text", tmp.Write("valid.tsv", Labelled(100, 2)),
                             "--d-model", "32", "--layers", "1", "--heads", "2", "--feed-forward", "64", "--dropout", "0", "--max-steps", "150",
                             "--lr", "3e-3", "--out", cls);
        Assert.Matches(@"validation (9\d|100)\.\d%", t.Stdout);
        var judged = CliRunner.Ok("classify", "--model", cls, "--input", tmp.Write("judge.txt", "ant ape asp bat\nbat bee bug axe\n"));
        Assert.Equal(["a", "b"], judged.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[0]));

        // an untrained base model over the same words, with its own tokenizer (outputs reach the classifier as text)
        var tok = Tokenizer.Train(TokenizerKind.Word, [string.Join(' ', A.Concat(B))], 100);
        var config = new ModelConfig
        {
            Family = ModelFamily.Transformer, SrcVocabSize = tok.Vocab.Count, TgtVocabSize = tok.Vocab.Count, DModel = 16, Heads = 2, FeedForward = 32,
            EncoderLayers = 1, DecoderLayers = 1, Dropout = 0, Seed = 4,
        };
        string baseModel = tmp.File("base.safetensors");
        ModelStore.Save(baseModel, ModelFactory.BuildSeq2Seq(config), config, tok, tok);
        string input = tmp.Write("in.txt", string.Concat(Enumerable.Range(0, 40).Select(i => $"{A[i % 5]} {B[(i / 5) % 5]}\n")));
        string[] Decode(params string[] extra) => CliRunner.Ok(["translate", "--model", baseModel, "--input", input, "--sample", "--seed", "3", "--max-len", "4", .. extra])
            .Stdout.Split('\n')[..40];
        double Fraction(string[] lines) => lines.Count(MajorityA) / (double)lines.Length;
        var plain = Decode();
        var steered = Decode("--guide", cls, "--guide-label", "a", "--guide-weight", "4", "--guide-top-k", "15");
        double unguided = Fraction(plain), guided = Fraction(steered);
        // measured: 0.500 → 0.875 (the untrained model also glues words together, which the rule counts as neither)
        Assert.True(unguided <= 0.55, $"unguided {unguided}");
        Assert.True(guided >= 0.85, $"guided {guided} vs unguided {unguided}");

        Assert.Contains("--guide-label: 'c' is not a label", CliRunner.Fails("translate", "--model", baseModel, "--input", input, "--guide", cls, "--guide-label", "c"));
        Assert.Contains("--guide needs --guide-label", CliRunner.Fails("translate", "--model", baseModel, "--input", input, "--guide", cls));
        Assert.Contains("--guide-weight must be", CliRunner.Fails("translate", "--model", baseModel, "--input", input, "--guide", cls, "--guide-label", "a", "--guide-weight", "-1"));
        Assert.Contains("not a classifier", CliRunner.Fails("translate", "--model", baseModel, "--input", input, "--guide", baseModel, "--guide-label", "a"));
    }

    [Fact]
    public void Classify_train_names_a_line_without_a_label()
    {
        using var tmp = new TempDir();
        var err = CliRunner.Fails("classify-train", "--train-text", tmp.Write("bad.tsv", "a\tx y\n\tz w\n"), "--out", tmp.File("c"));
        Assert.Contains("bad.tsv:2", err);
    }
}
