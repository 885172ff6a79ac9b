namespace EncDec.Speech.Training;

/// <summary>What a run did: steps taken, the last smoothed loss, seconds.</summary>
public sealed record SpeechTrainReport(int Steps, float Loss, double Seconds);
