using EncDec.Speech.Audio;

namespace EncDec.Speech;

/// <summary>One shipped clip: its name (e.g. <c>test/test_0003.wav</c>), audio and transcript.</summary>
public sealed record SpeechDigitClip(string Name, AudioClip Audio, string Text);
