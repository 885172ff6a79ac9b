using System.Text;
using EncDec.Cli;
using EncDec.Data;
using EncDec.IO;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Fuzz;

/// <summary>
/// One run of a reader on fuzzer-made bytes. A <see cref="UserInputException"/> is the expected way to refuse
/// bad input and is swallowed; any other exception escapes, and the fuzzer records the input as a crash.
/// </summary>
public static class FuzzTargets
{
    private static readonly string[] Texts =
    [
        "", " ", "a", "Hello, world!", "  two  spaces\tand tab\n", "Grüße aus Köln", "東京は晴れ", "Привет мир",
        "emoji 👍🏽 and \u2581 marker", "<2fr> <up> control", "\ud800 lone", "مرحبا بالعالم",
    ];

    /// <summary>Runs <paramref name="target"/> on <paramref name="data"/>; a one-line <see cref="UserInputException"/> is swallowed.</summary>
    public static void Run(FuzzTarget target, byte[] data)
    {
        try { RunStrict(target, data); }
        catch (UserInputException e) when (e.Message.Length > 0 && !e.Message.Contains('\n'))
        {
            // expected: bad input refused with a one-line message
        }
    }

    /// <summary>Runs <paramref name="target"/> on <paramref name="data"/>, letting every exception out.</summary>
    public static void RunStrict(FuzzTarget target, byte[] data)
    {
        switch (target)
        {
            case FuzzTarget.SafeTensors: SafeTensorsFile(data); break;
            case FuzzTarget.Metadata: Metadata(data); break;
            case FuzzTarget.Tokenizer: TokenizerFile(data); break;
            case FuzzTarget.Yaml: YamlConfig(data); break;
            case FuzzTarget.Corpus: Corpus(data); break;
            default: throw new ArgumentOutOfRangeException(nameof(target));
        }
    }

    private static void SafeTensorsFile(byte[] data)
    {
        var (tensors, meta) = SafeTensors.Load(new MemoryStream(data, writable: false), "fuzz.safetensors");
        SafeTensors.LoadIndexTensors(new MemoryStream(data, writable: false), "fuzz.safetensors");
        if (meta.ContainsKey("encdec.format")) Checkpoint.FromSafeTensors(tensors, meta, "fuzz.safetensors");
    }

    /// <summary>Input: <c>key=value</c> lines, the string metadata of a checkpoint (<c>encdec.*</c>, <c>extra.*</c>).</summary>
    private static void Metadata(byte[] data)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(data).Split('\n'))
        {
            int eq = line.IndexOf('=');
            if (eq > 0) meta[line[..eq]] = line[(eq + 1)..];
        }
        using var _ = TensorScope.Suspend();
        var w = Tensor.Zeros([2, 3]);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["model.w"] = w, ["optim.state.w.exp_avg"] = Tensor.Zeros([2, 3]) };
        var ckpt = Checkpoint.FromSafeTensors(tensors, meta, "fuzz.safetensors");
        ResumeState.Parse(ckpt.Extra, "fuzz.safetensors");
        if (ckpt.Optimizer is { } o)
        {
            var optimizer = Optimizer.Create(new OptimizerOptions(OptimizerKind.Adam, 1e-3), [("w", w)]);
            ResumeState.LoadOptimizer(optimizer, o, "fuzz.safetensors");
        }
        foreach (var (_, json) in ckpt.Vocabularies) Tokenizer.FromJson(json, "fuzz.safetensors");
    }

    private static void TokenizerFile(byte[] data)
    {
        var tok = Tokenizer.Load(new MemoryStream(data, writable: false), "fuzz-tokenizer.json");
        // text made from the input itself reaches the tokens the file defines
        string own = Encoding.UTF8.GetString(data, 0, Math.Min(data.Length, 200));
        foreach (var text in Texts.Append(own))
        {
            var ids = tok.Encode(text);
            foreach (int id in ids)
                if ((uint)id >= (uint)tok.Vocab.Count) throw new InvalidOperationException($"encode produced id {id} outside the vocabulary");
            tok.Decode(ids);
        }
    }

    private static void YamlConfig(byte[] data)
    {
        var spec = TrainSpec.FromYamlText(Encoding.UTF8.GetString(data), "fuzz.yaml");
        // what --print-config writes, --config must read back
        TrainSpec.FromYamlText(spec.ToYaml(), "printed.yaml");
        spec.Validate();
    }

    private static void Corpus(byte[] data)
    {
        string file = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(),
            $"encdec-fuzz-corpus-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}.txt");
        try
        {
            File.WriteAllBytes(file, data);
            ReadCorpus(file);
        }
        finally { File.Delete(file); }
    }

    private static void ReadCorpus(string CorpusFile)
    {
        var options = new CorpusOptions { MaxLineChars = 300 };
        using (var r = new Utf8LineReader(CorpusFile, options.MaxLineChars))
            while (r.ReadLine() is not null) { }
        foreach (var format in new[] { CorpusFormat.LineAligned, CorpusFormat.Tsv, CorpusFormat.Jsonl })
            try
            {
                foreach (var _ in ParallelCorpus.Open(format, CorpusFile, CorpusFile, options)) { }
            }
            catch (UserInputException) { }
        foreach (var control in new[] { ControlCodeSource.None, ControlCodeSource.Tsv, ControlCodeSource.Prefix })
            try { LanguageModelData.Read(CorpusFile, control, options); }
            catch (UserInputException) { }
    }
}
