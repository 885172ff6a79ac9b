namespace EncDec.Vision.Training;

/// <summary>What a run did: steps taken, the last smoothed loss, seconds.</summary>
public sealed record ImageTrainReport(int Steps, float Loss, double Seconds);
