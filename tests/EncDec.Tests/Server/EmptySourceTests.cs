using EncDec.Generation;
using EncDec.Pipelines;
using EncDec.Tests.Cli;
using Xunit;
using static EncDec.Tests.Server.ServerTestKit;

namespace EncDec.Tests.Server;

/// <summary>
/// One text pipeline: an empty source line gets the same defined result from <c>translate</c>, the server and validation —
/// an empty output with score 0, decoded from nothing (no UNK stands in for it) — and the other lines are unchanged by it.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class EmptySourceTests
{
    private static readonly string[] Lines = { "a b c", "", "h g" };

    [Fact]
    public async Task AnEmptyLineIsTheSameEmptyResultInTranslateTheServerAndValidation()
    {
        var dir = Directory.CreateTempSubdirectory("encdec-empty-");
        try
        {
            string input = Path.Combine(dir.FullName, "in.txt");
            File.WriteAllText(input, string.Join("\n", Lines) + "\n");
            var cli = CliRunner.Ok("translate", "--model", ModelFile, "--input", input, "--max-len", "20");
            var cliLines = cli.Stdout.Split('\n');
            Assert.Equal(Lines.Length + 1, cliLines.Length);   // one output line per input line, the empty one included
            Assert.Equal("", cliLines[1]);

            await using var s = await Start();
            using var c = Client(s);
            var (status, body, _) = await Post(c, "/v1/translate", """{"texts": ["a b c", "", "h g"], "max_length": 20}""");
            Assert.Equal(200, status);
            var results = body.GetProperty("results");
            for (int i = 0; i < Lines.Length; i++)
                Assert.Equal(cliLines[i], results[i].GetProperty("hypotheses")[0].GetProperty("text").GetString());
            Assert.Equal("a b c", cliLines[0]);   // the copy model copies the other lines
            var empty = results[1];
            Assert.Equal(0, empty.GetProperty("source_tokens").GetArrayLength());
            Assert.Equal(1, empty.GetProperty("hypotheses").GetArrayLength());
            Assert.Equal(0.0, empty.GetProperty("hypotheses")[0].GetProperty("score").GetDouble());

            // streaming sends no token for it, and the same final result
            var r = await c.PostAsync("/v1/translate/stream", Json("""{"texts": [""], "max_length": 20}"""));
            var events = ParseSse(await r.Content.ReadAsStringAsync());
            Assert.DoesNotContain(events, e => e.Event == "token");
            Assert.Equal("", events.Single(e => e.Event == "done").Data.GetProperty("results")[0].GetProperty("hypotheses")[0].GetProperty("text").GetString());

            // validation decodes the same ids to the same outputs
            var validation = new Seq2SeqPipeline(Served.Source, Served.Target).Validation(Served.Model, 20);
            var decoded = validation.Decode(Lines.Select(l => Served.Source.Encode(l)).ToList());
            Assert.Equal(cliLines[..Lines.Length], decoded.Select(validation.Detokenize));
            Assert.Empty(decoded[1]);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void TheTranslatorAndValidationAgreeOnEmptySourcesWithBeamAndNBest()
    {
        var translator = new Translator(Served.Model, Served.Source, Served.Target,
                                        new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = 3, NBest = 2, MaxLength = 20 });
        var t = translator.Translate(new[] { "", "b a" });
        Assert.Equal("", Assert.Single(t[0].NBest).Text);
        Assert.Empty(t[0].SourceTokens);
        Assert.Equal(2, t[1].NBest.Count);
        Assert.Equal("b a", t[1].NBest[0].Text);
        var r = LengthSortedDecoding.Generate(Served.Model, new[] { Array.Empty<int>() }, translator.Options, 4, sourceIds: new[] { 7 });
        Assert.Equal(7, r[0].SourceIndex);
        Assert.Empty(Assert.Single(r[0].Hypotheses).Tokens);
    }
}
