namespace EncDec.Speech.Audio;

/// <summary>Mono audio: samples in [-1, 1] at <see cref="SampleRate"/> Hz.</summary>
public sealed record AudioClip(float[] Samples, int SampleRate)
{
    public double Seconds => (double)Samples.Length / SampleRate;
}
