using EncDec.Data;
using EncDec.Generation;
using EncDec.IO;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tests.Models;
using Xunit;

namespace EncDec.Tests.IO;

public class Int8CheckpointTests
{
    private static readonly Lazy<(Module Model, ModelConfig Config, List<Example> Test)> Trained = new(() =>
    {
        var (train, test) = ModelTestKit.SymbolTask(SyntheticTask.Reverse, 600, 60, seed: 3);
        var config = ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 32, heads: 2, ffn: 64, layers: 1);
        var (model, _) = ModelTestKit.Train(config, train, ModelTestKit.Options(250, 3e-3, warmup: 30));
        model.Eval();
        return (model, config, test);
    });

    private static List<string> Greedy(Module model, IReadOnlyList<Example> test)
        => SequenceGenerator.Generate((ISeq2SeqModel)model, test.Select(e => e.Src).ToList(),
                                      new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = 12 })
            .Select(r => string.Join(' ', r.Hypotheses[0].Tokens)).ToList();

    [Fact]
    public void An_int8_file_round_trips_loads_transparently_and_translates_as_well_as_float()
    {
        var (model, config, test) = Trained.Value;
        using var tmp = new TempDir();
        string floatPath = tmp.File("model.safetensors"), int8Path = tmp.File("model.int8.safetensors");
        ModelStore.Save(floatPath, model, config, null, null, 250);
        var layers = Int8Checkpoint.Save(int8Path, model, config, null, null, 250, []);
        // every Linear but the (untied) generator's is its own: q/k/v/out of 3 attentions, 2 FFN layers × 2, generator
        Assert.Equal(4 * 3 + 2 * 2 + 1, layers.Count);
        Assert.Contains("generator", layers);

        var header = SafeTensors.ReadHeader(int8Path);
        var w = header.Tensors.Single(t => t.Name == "model.generator.weight");
        Assert.Equal(SafeTensorsDType.I8, w.DType);
        Assert.Equal(new[] { ModelTestKit.SymbolVocab }, header.Tensors.Single(t => t.Name == "model.generator.weight_scale").Shape);

        var loaded = ModelStore.Load(int8Path);
        Assert.Equal(layers.Count, loaded.Int8Layers);
        Assert.Equal(250, loaded.Step);
        var floatState = model.StateDict();
        foreach (var (name, lin) in loaded.Model.NamedModules().Where(m => m.Module is Linear).Select(m => (m.Name, (Linear)m.Module)))
        {
            Assert.NotNull(lin.Int8);
            var f = floatState[name + ".weight"].ToArray(); var q = lin.Weight.ToArray();
            for (int r = 0; r < lin.OutFeatures; r++)
            {
                float max = 0; for (int c = 0; c < lin.InFeatures; c++) max = MathF.Max(max, MathF.Abs(f[r * lin.InFeatures + c]));
                for (int c = 0; c < lin.InFeatures; c++)   // dequantised within half a step of the float weight
                    Assert.True(MathF.Abs(f[r * lin.InFeatures + c] - q[r * lin.InFeatures + c]) <= max / 127f * 0.5f + 1e-7f, name);
            }
        }
        Assert.Equal(0, ModelStore.Load(floatPath).Int8Layers);

        var reference = test.Select(e => string.Join(' ', e.Tgt)).ToList();
        var floatHyp = Greedy(model, test); var int8Hyp = Greedy(loaded.Model, test);
        double floatBleu = Bleu.Corpus(floatHyp, [reference]).Score, int8Bleu = Bleu.Corpus(int8Hyp, [reference]).Score;
        Assert.True(floatBleu > 60, $"float BLEU {floatBleu}");
        Assert.True(int8Bleu >= 0.95 * floatBleu, $"int8 BLEU {int8Bleu} vs float {floatBleu}");
        Assert.True(floatHyp.Zip(int8Hyp).Count(p => p.First == p.Second) >= test.Count * 9 / 10);

        // int8 weights and tables are a quarter of the float ones: the file shrinks accordingly (norms and biases stay float)
        Assert.True(new FileInfo(int8Path).Length < 0.45 * new FileInfo(floatPath).Length);
    }

    [Fact]
    public void Embedding_tables_are_stored_int8_per_row_unless_kept_float()
    {
        var (model, config, _) = Trained.Value;
        using var tmp = new TempDir();
        string floatPath = tmp.File("f.safetensors"), int8Path = tmp.File("q.safetensors"), keptPath = tmp.File("k.safetensors");
        ModelStore.Save(floatPath, model, config, null, null, 1);
        Int8Checkpoint.Save(int8Path, model, config, null, null, 1, [], out var tables);
        Assert.Equal(["src_embed.tokens", "tgt_embed.tokens"], tables.Order(StringComparer.Ordinal));
        Int8Checkpoint.Save(keptPath, model, config, null, null, 1, ["src_embed"], out var keptTables);
        Assert.Equal(["tgt_embed.tokens"], keptTables);
        var header = SafeTensors.ReadHeader(int8Path);
        Assert.Equal(SafeTensorsDType.I8, header.Tensors.Single(t => t.Name == "model.src_embed.tokens.weight").DType);
        Assert.Equal(new[] { ModelTestKit.SymbolVocab }, header.Tensors.Single(t => t.Name == "model.src_embed.tokens.weight_scale").Shape);
        var loaded = ModelStore.Load(int8Path);
        Assert.Equal(4 * 3 + 2 * 2 + 1, loaded.Int8Layers);   // Linear layers only
        var kept = ModelStore.Load(keptPath).Model.StateDict();
        var floats = model.StateDict(); var q = loaded.Model.StateDict();
        Assert.Equal(floats["src_embed.tokens.weight"].ToArray(), kept["src_embed.tokens.weight"].ToArray());
        var f = floats["tgt_embed.tokens.weight"].ToArray(); var d = q["tgt_embed.tokens.weight"].ToArray();
        int dim = config.DModel;
        for (int r = 0; r < ModelTestKit.SymbolVocab; r++)
        {
            float max = 0; for (int c = 0; c < dim; c++) max = MathF.Max(max, MathF.Abs(f[r * dim + c]));
            for (int c = 0; c < dim; c++) Assert.True(MathF.Abs(f[r * dim + c] - d[r * dim + c]) <= max / 127f * 0.5f + 1e-7f);
        }
        Assert.All(d.AsSpan(0, dim).ToArray(), v => Assert.Equal(0f, v));   // the pad row stays zero
        Assert.True(new FileInfo(keptPath).Length > new FileInfo(int8Path).Length);
    }

    [Fact]
    public void Keep_float_layers_and_tied_outputs_stay_float32()
    {
        var (model, config, _) = Trained.Value;
        using var tmp = new TempDir();
        var layers = Int8Checkpoint.Save(tmp.File("m.safetensors"), model, config, null, null, 0, ["generator", "decoder"]);
        Assert.DoesNotContain("generator", layers);
        Assert.All(layers, l => Assert.StartsWith("encoder.", l));
        var loaded = ModelStore.Load(tmp.File("m.safetensors"));
        Assert.Null(((EncoderDecoder)loaded.Model).Generator.Int8);

        var tied = ModelFactory.Build(config with { TieOutput = true, ShareEmbeddings = true });
        Assert.DoesNotContain(Int8Checkpoint.Quantizable(tied, []), l => l.Name == "generator");
    }

    [Fact]
    public void A_tampered_int8_file_is_refused_in_one_line_naming_it()
    {
        var (model, config, _) = Trained.Value;
        using var tmp = new TempDir();
        string path = tmp.File("m.safetensors");
        Int8Checkpoint.Save(path, model, config, null, null, 0, []);
        var ckpt = Checkpoint.Load(path);

        void Refused(Checkpoint c, string expected)
        {
            string p = tmp.File("bad.safetensors");
            c.Save(p);
            var e = Assert.Throws<UserInputException>(() => ModelStore.Load(p));
            Assert.Contains(p, e.Message);
            Assert.Contains(expected, e.Message);
            Assert.DoesNotContain("\n", e.Message);
        }
        var m = new Dictionary<string, EncDec.Tensors.Tensor>(ckpt.Model);
        m["generator.weight"] = EncDec.Tensors.Tensor.Full(0.5f, m["generator.weight"].Shape);
        Refused(ckpt with { Model = m }, "not an int8 value");
        m = new Dictionary<string, EncDec.Tensors.Tensor>(ckpt.Model) { ["generator.weight_scale"] = EncDec.Tensors.Tensor.Full(1f, 3) };
        Refused(ckpt with { Model = m }, "output channels");
        m = new Dictionary<string, EncDec.Tensors.Tensor>(ckpt.Model) { ["encoder.weight_scale"] = EncDec.Tensors.Tensor.Full(1f, 3) };
        Refused(ckpt with { Model = m }, "not a linear layer");
        m = new Dictionary<string, EncDec.Tensors.Tensor>(ckpt.Model) { ["generator.weight_scale"] = EncDec.Tensors.Tensor.Full(float.NaN, ModelTestKit.SymbolVocab) };
        Refused(ckpt with { Model = m }, "finite");
    }
}
