namespace EncDec.Speech.Audio;

/// <summary>The sample encodings <see cref="WavReader"/> reads and <see cref="WavWriter"/> writes.</summary>
public enum WavSampleFormat { Pcm8, Pcm16, Pcm24, Pcm32, Float32 }
