using EncDec.Interop.Onnx;
using EncDec.IO;
using EncDec.Models;
using EncDec.Server;
using EncDec.Text;

namespace EncDec.Cli.Commands;

/// <summary>A model ready for <c>translate</c>: EncDec's own, or an ONNX export run by ONNX Runtime.</summary>
internal sealed record RuntimeModel(ISeq2SeqModel Model, ITokenizer Source, ITokenizer Target, string Path) : IDisposable
{
    public void Dispose() => (Model as IDisposable)?.Dispose();

    public static InferenceRuntimeKind Parse(string text) => CliEnum.Parse<InferenceRuntimeKind>(text, "--runtime", "runtime");

    /// <summary>
    /// Loads <paramref name="path"/> for <paramref name="runtime"/>: native needs a run folder or model file, onnx a folder from
    /// <c>encdec export --format onnx</c> (a run folder with an <c>onnx/</c> export inside is accepted too).
    /// </summary>
    public static RuntimeModel Load(string path, InferenceRuntimeKind runtime)
    {
        if (runtime == InferenceRuntimeKind.Onnx)
        {
            var (m, dir) = LoadOnnx(path);
            return new RuntimeModel(m, m.SourceTokenizer, m.TargetTokenizer, dir);
        }
        var loaded = ModelStore.LoadSeq2Seq(path);
        return new RuntimeModel(loaded.Model, loaded.SourceTokenizer, loaded.TargetTokenizer, loaded.Path);
    }

    /// <summary>An ONNX export (the folder <c>encdec export --format onnx</c> writes, or the run folder holding it in <c>onnx/</c>).</summary>
    private static (OnnxSeq2SeqModel Model, string Dir) LoadOnnx(string path)
    {
        string dir = File.Exists(System.IO.Path.Combine(path, OnnxModelInfo.FileName)) || !Directory.Exists(System.IO.Path.Combine(path, "onnx")) ? path : System.IO.Path.Combine(path, "onnx");
        if (!Directory.Exists(dir)) throw new UserInputException(path, null, "--model: --runtime onnx needs the folder written by `encdec export --format onnx`");
        return (OnnxSeq2SeqModel.Load(dir), dir);
    }

    /// <summary>
    /// The model <c>serve</c> decodes with: a native checkpoint as <see cref="ServedModel.Load"/> reads it, or for
    /// <see cref="InferenceRuntimeKind.Onnx"/> the export <see cref="Load"/> opens, described from its <c>encdec-onnx.json</c>.
    /// </summary>
    public static ServedModel LoadServed(string path, InferenceRuntimeKind runtime)
    {
        if (runtime == InferenceRuntimeKind.Native) return ServedModel.Load(path);
        var (model, dir) = LoadOnnx(path);
        var info = model.Info;
        string architecture = $"onnx {info.Family.ToString().ToLowerInvariant()} ({info.EncoderFile} + {info.DecoderFile}, opset {info.Opset}, vocabularies {info.SrcVocabSize}/{info.TgtVocabSize})";
        return new ServedModel(model, model.SourceTokenizer, model.TargetTokenizer, ServedModel.NameOf(path),
            new ServedModelInfo(dir, info.Family, architecture, runtime) { HasAttention = info.HasAttention });
    }
}
