using System.Runtime.CompilerServices;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Text;
using Microsoft.ML.OnnxRuntime;

namespace EncDec.Interop.Onnx;

/// <summary>
/// An exported model (a folder from <see cref="OnnxExporter"/>) run by ONNX Runtime behind <see cref="ISeq2SeqModel"/>,
/// so EncDec's own <c>SequenceGenerator</c> (greedy, beam, sampling, constraints) drives it: <see cref="Encode"/> runs
/// the encoder graph, <see cref="DecodeStep"/> the decoder-step graph with the cache carried in an <see cref="OnnxDecoderState"/>.
/// </summary>
public sealed class OnnxSeq2SeqModel : ISeq2SeqModel, IDisposable
{
    private readonly InferenceSession _encoder, _decoder;
    private readonly string[] _encoderOutputs;
    private readonly string[] _decoderOutputs;
    // the decoder's constant inputs (cross K/V, memory, mask) as ONNX Runtime values, made once per encoder output
    private readonly ConditionalWeakTable<EncoderOutput, Dictionary<string, HostArray>> _constants = new();

    public OnnxModelInfo Info { get; }
    public ITokenizer SourceTokenizer { get; }
    public ITokenizer TargetTokenizer { get; }
    public int TargetVocabSize => Info.TgtVocabSize;

    private OnnxSeq2SeqModel(OnnxModelInfo info, InferenceSession encoder, InferenceSession decoder, ITokenizer source, ITokenizer target)
    {
        Info = info; _encoder = encoder; _decoder = decoder; SourceTokenizer = source; TargetTokenizer = target;
        _encoderOutputs = info.EncoderOutputs.Select(o => o.Name).ToArray();
        _decoderOutputs = info.DecoderOutputs.Select(o => o.Name).ToArray();
    }

    /// <summary>Loads an export folder; <paramref name="threads"/> &gt; 0 sets ONNX Runtime's intra-op threads.</summary>
    public static OnnxSeq2SeqModel Load(string dir, int threads = 0)
    {
        var info = OnnxModelInfo.Load(dir);
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, InterOpNumThreads = 1 };
        if (threads > 0) options.IntraOpNumThreads = threads;
        InferenceSession Open(string file)
        {
            string path = Path.Combine(dir, file);
            if (!File.Exists(path)) throw new UserInputException($"{path}: not found");
            try { return new InferenceSession(path, options); }
            catch (OnnxRuntimeException e) { throw new UserInputException($"{path}: ONNX Runtime cannot load it: {FirstLine(e.Message)}"); }
        }
        var enc = Open(info.EncoderFile);
        var dec = Open(info.DecoderFile);
        return new OnnxSeq2SeqModel(info, enc, dec, Tokenizer.Load(Path.Combine(dir, info.SourceTokenizer)), Tokenizer.Load(Path.Combine(dir, info.TargetTokenizer)));
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    public EncoderOutput Encode(IndexTensor source, int[] lengths)
    {
        int b = source.Shape[0], s = source.Shape[1];
        var ids = source.Data.Select(i => (long)i).ToArray();
        using var idv = OrtValue.CreateTensorValueFromMemory(ids, [b, s]);
        using var lv = OrtValue.CreateTensorValueFromMemory(lengths.Select(l => (long)l).ToArray(), [b]);
        using var outs = _encoder.Run(new RunOptions(), ["src_ids", "src_lengths"], [idv, lv], _encoderOutputs);
        var arrays = outs.Select(HostArray.Of).ToArray();
        var tensors = arrays.Select(a => a.ToTensor()).ToArray();
        int mem = Array.IndexOf(_encoderOutputs, "memory"), pad = Array.IndexOf(_encoderOutputs, "src_pad_mask");
        return new EncoderOutput(tensors[mem], tensors[pad], lengths, tensors, tensors.Select(_ => 0).ToArray());
    }

    private HostArray EncoderValue(EncoderOutput e, string name) => Constants(e)[name];

    private Dictionary<string, HostArray> Constants(EncoderOutput e)
        => _constants.GetValue(e, x => _encoderOutputs.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => HostArray.Of(x.Extras[p.i])));

    public IDecoderState InitialState(EncoderOutput encoder)
    {
        var values = Info.States.Select(st => st.InitialFrom is { } from ? EncoderValue(encoder, from) : HostArray.Zeros(encoder.BatchSize, st.EmptyShape!)).ToArray();
        return new OnnxDecoderState(values);
    }

    public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state)
    {
        var st = (OnnxDecoderState)state;
        if (Info.MaxPositions is int max && position >= max)
            throw new UserInputException($"the exported model embeds at most {max} target positions; decode with a smaller maximum length");
        var names = new List<string>(); var values = new List<OrtValue>();
        try
        {
            names.Add("tokens"); values.Add(OrtValue.CreateTensorValueFromMemory(tokens.Select(t => (long)t).ToArray(), [tokens.Length]));
            if (Info.UsesPosition) { names.Add("position"); values.Add(OrtValue.CreateTensorValueFromMemory(new long[] { position }, [1])); }
            var constants = Constants(encoder);
            foreach (var c in Info.DecoderConstants) { names.Add(c); values.Add(constants[c].ToOrt()); }
            for (int i = 0; i < Info.States.Count; i++) { names.Add(Info.States[i].Input); values.Add(st.Values[i].ToOrt()); }
            using var outs = _decoder.Run(new RunOptions(), names, values, _decoderOutputs);
            var byName = new Dictionary<string, OrtValue>();
            int k = 0;
            foreach (var v in outs) byName[_decoderOutputs[k++]] = v;
            var logits = HostArray.Of(byName["logits"]).ToTensor();                                   // (B, V)
            var attention = Info.HasAttention ? HostArray.Of(byName["attention"]).ToTensor() : null;    // (B, S)
            var next = new OnnxDecoderState(Info.States.Select(s => HostArray.Of(byName[s.Output])).ToArray());
            return new StepResult(logits, attention, next);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _decoder.Dispose();
    }
}
