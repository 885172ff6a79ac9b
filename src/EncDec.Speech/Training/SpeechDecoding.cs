namespace EncDec.Speech.Training;

/// <summary>
/// How a speech model turns audio into text: the decoder (greedy), the CTC head's best path, or the decoder's beam
/// rescored jointly with the CTC head (<see cref="JointCtcRescorer"/>).
/// </summary>
public enum SpeechDecoding { Attention, Ctc, Joint }
