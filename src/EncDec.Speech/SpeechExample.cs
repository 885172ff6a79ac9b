namespace EncDec.Speech;

/// <summary>One utterance as the model sees it: its log-mel (mels, frames) row-major and its transcript.</summary>
public sealed record SpeechExample(float[] Mel, int Frames, string Text);
