namespace EncDec.Generation;

/// <summary>Divides the logits by a temperature (&lt; 1 sharpens, &gt; 1 flattens).</summary>
public sealed class TemperatureLogitsWarper(float temperature) : ILogitsProcessor
{
    public float Temperature { get; } = temperature > 0 ? temperature : throw new ArgumentOutOfRangeException(nameof(temperature));

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        if (Temperature != 1f) TensorPrimitives.Divide(logits, Temperature, logits);
    }
}
