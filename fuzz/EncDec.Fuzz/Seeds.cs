using System.Text;
using EncDec.Cli;
using EncDec.IO;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Fuzz;

/// <summary>Writes the small, valid seed inputs of each target (<c>EncDec.Fuzz --make-seeds DIR</c>); the committed
/// fuzz/seeds folder was made with it.</summary>
public static class Seeds
{
    private static readonly string[] Lines =
        ["a small dog runs", "ein kleiner Hund läuft", "東京は晴れ 👍🏽", "<up> the end.", "x\ty", "Привет, мир!"];

    public static void Write(string dir)
    {
        using var _ = TensorScope.Suspend();
        var rng = new Rng(1);
        string D(string t) { var d = Path.Combine(dir, t); Directory.CreateDirectory(d); return d; }

        // safetensors: every dtype, metadata, an empty file and a checkpoint
        var st = D("safetensors");
        SafeTensors.Save(Path.Combine(st, "f32.safetensors"), new Dictionary<string, Tensor>
        {
            ["a"] = Tensor.Randn(rng, 2, 3), ["b"] = Tensor.Randn(rng, 4), ["s"] = Tensor.Randn(rng),
        }, new Dictionary<string, string> { ["k"] = "v" });
        File.WriteAllBytes(Path.Combine(st, "dtypes.safetensors"), MixedDtypes());
        SafeTensors.Save(Path.Combine(st, "empty.safetensors"), new Dictionary<string, Tensor>());
        var (ckpt, meta) = TinyCheckpoint(rng);
        ckpt.Save(Path.Combine(st, "checkpoint.safetensors"));

        // metadata: key=value lines
        File.WriteAllText(Path.Combine(D("metadata"), "checkpoint.txt"), string.Join('\n', meta.Select(kv => kv.Key + "=" + kv.Value)) + "\n");

        // tokenizers of each kind, with control tokens
        var tk = D("tokenizer");
        Tokenizer.Train(TokenizerKind.Char, Lines, 100, 1, ["<up>"]).Save(Path.Combine(tk, "char.json"));
        Tokenizer.Train(TokenizerKind.Word, Lines, 100, 1, ["<up>", "<2fr>"]).Save(Path.Combine(tk, "word.json"));
        Tokenizer.Train(TokenizerKind.Bpe, Lines.Concat(Lines), 300, 1).Save(Path.Combine(tk, "bpe.json"));

        // YAML configs: --print-config output and a short hand-written one
        var ym = D("yaml");
        File.WriteAllText(Path.Combine(ym, "print-config.yaml"), new TrainSpec { TrainSrc = "a.de", TrainTgt = "a.en" }.ToYaml());
        File.WriteAllText(Path.Combine(ym, "short.yaml"),
            "# tiny run\ntrain_src: train.de\ntrain_tgt: train.en\nmodel: rnn\ncell: gru\nd_model: 32\nlr: 1e-3\nmax_steps: 100\nfresh: true\n");

        // corpora: plain lines, TSV, JSONL, CRLF and a BOM
        var co = D("corpus");
        File.WriteAllText(Path.Combine(co, "lines.txt"), string.Join('\n', Lines) + "\n");
        File.WriteAllText(Path.Combine(co, "pairs.tsv"), "ein Hund\ta dog\n<up> Katze\tcat\n\nx\ty\n");
        File.WriteAllText(Path.Combine(co, "pairs.jsonl"), "{\"src\": \"ein Hund\", \"tgt\": \"a dog\"}\n{\"src\": \"\\u00e9t\\u00e9\", \"tgt\": \"summer\"}\n");
        File.WriteAllBytes(Path.Combine(co, "bom-crlf.txt"), [0xEF, 0xBB, 0xBF, .. "first\r\nsecond\r\n"u8]);
    }

    private static (Checkpoint, Dictionary<string, string>) TinyCheckpoint(Rng rng)
    {
        var w = Tensor.Randn(rng, 2, 3);
        w.Grad = Tensor.Randn(rng, 2, 3);
        var opt = Optimizer.Create(new OptimizerOptions(OptimizerKind.Adam, 1e-3), [("w", w)]);
        opt.Step();
        var vocab = Tokenizer.Train(TokenizerKind.Char, ["ab"], 20).ToJson().ReplaceLineEndings("");
        var ckpt = new Checkpoint
        {
            Model = new Dictionary<string, Tensor> { ["w"] = w },
            ConfigJson = "{\"kind\":\"transformer\",\"d_model\":8}",
            Vocabularies = new Dictionary<string, string> { ["source"] = vocab },
            Optimizer = opt.StateDict(),
            GlobalStep = 1,
            RngStates = new Dictionary<string, RngState> { ["global"] = rng.GetState() },
            Extra = new Dictionary<string, string>
            {
                ["epoch"] = "2", ["batch_in_epoch"] = "3", ["best"] = "1.25", ["bad_validations"] = "0", ["skipped"] = "1",
                ["losses"] = "[2.5,2.25,1.5]", ["stop_reason"] = "MaxSteps",
            },
        };
        var path = Path.Combine(Path.GetTempPath(), $"encdec-seed-{Environment.ProcessId}.safetensors");
        ckpt.Save(path);
        var meta = SafeTensors.ReadHeader(path).Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        File.Delete(path);
        return (ckpt, meta);
    }

    /// <summary>A hand-made file with F16, BF16, F64, I64 and I32 tensors (EncDec itself writes only F32).</summary>
    private static byte[] MixedDtypes()
    {
        var parts = new (string Name, string DType, int[] Shape, byte[] Data)[]
        {
            ("h", "F16", [2], [0x00, 0x3C, 0x00, 0xC0]),
            ("bf", "BF16", [2], [0x80, 0x3F, 0x00, 0x40]),
            ("d", "F64", [1], BitConverter.GetBytes(0.5)),
            ("l", "I64", [2], [.. BitConverter.GetBytes(7L), .. BitConverter.GetBytes(-3L)]),
            ("i", "I32", [1, 1], BitConverter.GetBytes(42)),
        };
        var json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long off = 0;
        foreach (var p in parts)
        {
            json.Append($",\"{p.Name}\":{{\"dtype\":\"{p.DType}\",\"shape\":[{string.Join(',', p.Shape)}],\"data_offsets\":[{off},{off + p.Data.Length}]}}");
            off += p.Data.Length;
        }
        json.Append('}');
        while (json.Length % 8 != 0) json.Append(' ');
        var header = Encoding.UTF8.GetBytes(json.ToString());
        return [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. parts.SelectMany(p => p.Data)];
    }
}
