using System.Text.Json;
using EncDec.Cli.Commands;
using EncDec.Interop.Onnx;
using EncDec.IO;
using EncDec.Models;
using EncDec.Server;
using EncDec.Tests.Cli;
using Xunit;
using static EncDec.Tests.Server.ServerTestKit;

namespace EncDec.Tests.Server;

/// <summary>
/// <c>encdec serve --runtime onnx</c>: the test kit's copy model exported to ONNX and served through ONNX Runtime (loaded
/// as the serve command loads it) answers exactly what the native runtime answers — greedy, beam with n-best, seeded
/// sampling and streaming — on real servers on free loopback ports.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class OnnxServeTests
{
    private static readonly string[] Bodies =
    [
        """{"texts": ["a b c d", "h g f", "e"], "max_length": 30, "return_scores": true}""",
        """{"texts": ["a b c d", "h g f", "c c a"], "beam": 4, "n_best": 3, "max_length": 30}""",
        """{"texts": ["a b c d", "h g f"], "strategy": "sample", "seed": 7, "top_k": 3, "max_length": 30}""",
    ];

    [Fact]
    public async Task Onnx_runtime_serves_the_same_texts_as_native()
    {
        using var dir = new TempDir();
        var loaded = ModelStore.Load(ModelFile);
        OnnxExporter.Export(loaded.Model, loaded.Config, loaded.SourceTokenizer!, loaded.TargetTokenizer!, dir.Path);
        using var onnx = RuntimeModel.LoadServed(dir.Path, InferenceRuntimeKind.Onnx);
        using var native = RuntimeModel.LoadServed(ModelFile, InferenceRuntimeKind.Native);
        Assert.IsType<OnnxSeq2SeqModel>(onnx.Model);
        var settings = new ServerSettings { Host = "127.0.0.1", Port = 0 };
        await using var so = await EncDecServer.StartAsync(settings, onnx);
        await using var sn = await EncDecServer.StartAsync(settings, native);
        using var co = Client(so);
        using var cn = Client(sn);

        foreach (var body in Bodies)
        {
            var (statusO, o, _) = await Post(co, "/v1/translate", body);
            var (statusN, n, _) = await Post(cn, "/v1/translate", body);
            Assert.Equal(200, statusO); Assert.Equal(200, statusN);
            var ro = o.GetProperty("results"); var rn = n.GetProperty("results");
            Assert.Equal(rn.GetArrayLength(), ro.GetArrayLength());
            for (int i = 0; i < rn.GetArrayLength(); i++)
            {
                var ho = ro[i].GetProperty("hypotheses"); var hn = rn[i].GetProperty("hypotheses");
                Assert.Equal(hn.GetArrayLength(), ho.GetArrayLength());
                for (int k = 0; k < hn.GetArrayLength(); k++)
                {
                    Assert.Equal(hn[k].GetProperty("text").GetString(), ho[k].GetProperty("text").GetString());
                    Assert.Equal(hn[k].GetProperty("score").GetSingle(), ho[k].GetProperty("score").GetSingle(), 3);
                }
            }
        }
        // a real comparison: the model copies, so greedy through ONNX Runtime returns the source
        var (_, greedy, _) = await Post(co, "/v1/translate", Bodies[0]);
        Assert.Equal("a b c d", greedy.GetProperty("results")[0].GetProperty("hypotheses")[0].GetProperty("text").GetString());

        var stream = await co.PostAsync("/v1/translate/stream", Json("""{"texts": ["a b c d e"], "max_length": 30}"""));
        var events = ParseSse(await stream.Content.ReadAsStringAsync());
        Assert.Equal("a b c d e", events.Single(e => e.Event == "done").Data.GetProperty("results")[0].GetProperty("hypotheses")[0].GetProperty("text").GetString());
        Assert.Equal("a b c d e".Length, events.Count(e => e.Event == "token"));

        var models = JsonDocument.Parse(await co.GetStringAsync("/v1/models")).RootElement.GetProperty("models")[0];
        Assert.Equal("onnx", models.GetProperty("runtime").GetString());
        Assert.Equal("transformer", models.GetProperty("family").GetString());
        var nativeModels = JsonDocument.Parse(await cn.GetStringAsync("/v1/models")).RootElement.GetProperty("models")[0];
        Assert.Equal("native", nativeModels.GetProperty("runtime").GetString());

        // the exported Transformer's step graph returns no attention: asking for it is a 400 naming the field
        var (status, err, _) = await Post(co, "/v1/translate", """{"texts": ["a b"], "return_attention": true}""");
        Assert.Equal(400, status);
        Assert.Contains("return_attention", err.GetProperty("error").GetString());
    }

    [Fact]
    public void Serve_with_a_bad_runtime_or_no_export_is_one_line_naming_it()
    {
        using var dir = new TempDir();
        Assert.Contains("--runtime", CliRunner.Fails("serve", "--model", dir.Path, "--runtime", "tpu", "--port", "0"));
        Assert.Contains("encdec-onnx.json", CliRunner.Fails("serve", "--model", dir.Path, "--runtime", "onnx", "--port", "0"));
    }
}
