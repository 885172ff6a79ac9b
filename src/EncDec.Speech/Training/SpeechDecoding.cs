namespace EncDec.Speech.Training;

/// <summary>How a speech model turns audio into text: the decoder (greedy) or the CTC head's best path.</summary>
public enum SpeechDecoding { Attention, Ctc }
