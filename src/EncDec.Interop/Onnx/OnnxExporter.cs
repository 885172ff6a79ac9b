using EncDec.Models;
using EncDec.Nn;
using EncDec.Text;

namespace EncDec.Interop.Onnx;

/// <summary>
/// Exports a Transformer or LSTM-with-attention encoder-decoder to a folder: <c>encoder.onnx</c>, <c>decoder_step.onnx</c>
/// (opset 17, dynamic batch and length axes, explicit cache inputs and outputs), the two tokenizers, and
/// <c>encdec-onnx.json</c> (<see cref="OnnxModelInfo"/>). Every file is written atomically; the description is written
/// last, so a folder with it is complete.
/// </summary>
public static class OnnxExporter
{
    public static OnnxModelInfo Export(Module model, ModelConfig config, ITokenizer source, ITokenizer target, string dir)
    {
        if (model is not EncoderDecoder ed)
            throw new UserInputException($"ONNX export supports encoder-decoder models (transformer, rnn), not {config.Family.ToString().ToLowerInvariant()}");
        model.Eval();
        var (enc, dec, info) = config.Family switch
        {
            ModelFamily.Transformer => TransformerOnnxExporter.Export(ed, config),
            ModelFamily.Rnn => RnnOnnxExporter.Export(ed, config),
            _ => throw new UserInputException($"ONNX export supports transformer and rnn models, not {config.Family}"),
        };
        info = info with
        {
            SrcVocabSize = config.SrcVocabSize,
            TgtVocabSize = config.TgtVocabSize,
            SpecialTokens = new OnnxSpecialTokens(Vocabulary.PadId, Vocabulary.BosId, Vocabulary.EosId, Vocabulary.UnkId),
            EncoderInputs = enc.Inputs, EncoderOutputs = enc.Outputs, DecoderInputs = dec.Inputs, DecoderOutputs = dec.Outputs,
        };
        Directory.CreateDirectory(dir);
        enc.Save(Path.Combine(dir, info.EncoderFile), $"EncDec {config.Family} encoder");
        dec.Save(Path.Combine(dir, info.DecoderFile), $"EncDec {config.Family} decoder step");
        source.Save(Path.Combine(dir, info.SourceTokenizer));
        target.Save(Path.Combine(dir, info.TargetTokenizer));
        AtomicFile.WriteAllText(Path.Combine(dir, OnnxModelInfo.FileName), info.ToJson());
        return info;
    }
}
