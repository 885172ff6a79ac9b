using EncDec.Tensors;
using Microsoft.ML.OnnxRuntime;

namespace EncDec.Interop.Onnx;

/// <summary>A batch-major float array with its shape: what ONNX Runtime reads and writes, gathered by rows for beam search.</summary>
internal sealed class HostArray
{
    public float[] Data { get; }
    public long[] Shape { get; }

    public HostArray(float[] data, long[] shape) { Data = data; Shape = shape; }

    public static HostArray Of(Tensor t) => new(t.Contiguous().ToArray(), t.Shape.Select(d => (long)d).ToArray());

    /// <summary>Copies an ONNX Runtime output.</summary>
    public static HostArray Of(OrtValue v) => new(v.GetTensorDataAsSpan<float>().ToArray(), v.GetTensorTypeAndShape().Shape);

    /// <summary>Zeros of shape (batch, perRow…).</summary>
    public static HostArray Zeros(int batch, int[] perRow) => new(new float[batch * perRow.Aggregate(1L, (a, d) => a * d)], [batch, .. perRow.Select(d => (long)d)]);

    /// <summary>Wraps the array for ONNX Runtime (pinned, not copied).</summary>
    public OrtValue ToOrt() => OrtValue.CreateTensorValueFromMemory(Data, Shape);

    public Tensor ToTensor() => Tensor.FromArray(Data, Shape.Select(d => (int)d).ToArray());

    /// <summary>Rows <paramref name="rows"/> (dim 0), in that order.</summary>
    public HostArray Select(int[] rows)
    {
        int row = Shape[0] == 0 ? 0 : (int)(Data.Length / Shape[0]);
        var r = new float[rows.Length * row];
        for (int i = 0; i < rows.Length; i++) Array.Copy(Data, (long)rows[i] * row, r, (long)i * row, row);
        return new HostArray(r, [rows.Length, .. Shape[1..]]);
    }
}
