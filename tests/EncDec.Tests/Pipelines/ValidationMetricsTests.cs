using System.Text.Json;
using EncDec.Cli;
using EncDec.Data;
using EncDec.Models;
using EncDec.Pipelines;
using EncDec.Tests.Models;
using EncDec.Text;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Pipelines;

/// <summary>
/// Validation metrics asked for by name: the pipeline's trainer scores its greedy validation outputs with BLEU, chrF and
/// exact match on detokenised text, and those numbers are what <c>encdec eval</c> prints for the written hypotheses;
/// metrics not asked for are not computed.
/// </summary>
public sealed class ValidationMetricsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("encdec-valid-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<SentencePair> Pairs(int count, int seed)
    {
        var rng = new EncDec.Tensors.Rng((ulong)seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var words = Enumerable.Range(0, 2 + rng.NextInt(2)).Select(_ => new string(Enumerable.Range(0, 2 + rng.NextInt(3)).Select(_ => "abcdef"[rng.NextInt(6)]).ToArray()));
            string s = string.Join(' ', words);
            return new SentencePair(s, s);
        }).ToList();
    }

    private static ValidationInfo Train(Seq2SeqPipeline pipeline, List<SentencePair> train, List<SentencePair> valid, string? hypFile)
    {
        var model = ModelFactory.BuildTrainable(ModelTestKit.Transformer(pipeline.Source.Vocab.Count, pipeline.Target.Vocab.Count));
        var options = ModelTestKit.Options(60, lr: 3e-3) with { ValidEvery = 60, ValidMaxLength = 20, ValidDecode = true };
        var result = pipeline.Trainer(model, options, train, valid, new BatcherOptions { BatchSize = 32 }, hypFile).Train();
        return result.LastValidation ?? throw new InvalidOperationException("no validation ran");
    }

    [Fact]
    public void LibraryValidationScoresEqualEncdecEvalOnTheWrittenHypotheses()
    {
        var train = Pairs(300, 1); var valid = Pairs(40, 2);
        var tok = Tokenizer.Train(TokenizerKind.Char, train.Select(p => p.Source), 100);
        var pipeline = new Seq2SeqPipeline(tok, tok) { Metrics = [ValidationMetric.Bleu, ValidationMetric.ChrF, ValidationMetric.ExactMatch] };
        string hyp = Path.Combine(_dir, "valid.hyp"), reference = Path.Combine(_dir, "valid.ref");
        File.WriteAllText(reference, string.Concat(valid.Select(p => p.Target + "\n")));
        var v = Train(pipeline, train, valid, hyp);

        var so = new StringWriter(); var se = new StringWriter();
        int rc = Program.Run(["eval", "--hyp", hyp, "--ref", reference, "--metrics", "bleu,chrf,exact", "--json"], so, se);
        Assert.True(rc == 0, se.ToString());
        using var doc = JsonDocument.Parse(so.ToString());
        var root = doc.RootElement;
        Assert.NotNull(v.Bleu); Assert.NotNull(v.ChrF); Assert.NotNull(v.ExactMatch);
        Assert.True(v.ChrF > 0, $"chrF {v.ChrF}");
        Assert.Equal(root.GetProperty("bleu").GetDouble(), v.Bleu!.Value, 1e-9);
        Assert.Equal(root.GetProperty("chrf").GetDouble(), v.ChrF!.Value, 1e-9);
        Assert.Equal(root.GetProperty("exact_match").GetDouble(), v.ExactMatch!.Value, 1e-12);
        Assert.Equal(valid.Count, File.ReadAllLines(hyp).Length);
    }

    [Fact]
    public void OnlyTheMetricsAskedForAreComputed()
    {
        var train = Pairs(100, 3); var valid = Pairs(10, 4);
        var tok = Tokenizer.Train(TokenizerKind.Char, train.Select(p => p.Source), 100);
        var v = Train(new Seq2SeqPipeline(tok, tok) { Metrics = [ValidationMetric.ChrF] }, train, valid, null);
        Assert.Null(v.Bleu);
        Assert.Null(v.ExactMatch);
        Assert.NotNull(v.ChrF);
    }
}
