using EncDec.Models;

namespace EncDec.Interop.Onnx;

/// <summary>The decoder state of an <see cref="OnnxSeq2SeqModel"/>: one array per <see cref="OnnxModelInfo.States"/> entry, in that order.</summary>
public sealed class OnnxDecoderState : IDecoderState
{
    internal HostArray[] Values { get; }

    internal OnnxDecoderState(HostArray[] values) => Values = values;

    public IDecoderState Select(int[] rows) => new OnnxDecoderState(Values.Select(v => v.Select(rows)).ToArray());
}
