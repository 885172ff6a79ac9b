using EncDec.Metrics;
using EncDec.Models;
using EncDec.Text;

namespace EncDec.Speech.Training;

/// <summary>What a spoken-digits run reached on the held-out voices, per decoding.</summary>
public sealed record SpeechDigitsResult(SpeechToSequenceModel Model, ModelConfig Config, WordTokenizer Tokenizer, SpeechTrainReport Train,
                                        IReadOnlyList<SpeechDigitClip> TestClips, string[] References,
                                        IReadOnlyDictionary<SpeechDecoding, string[]> Hypotheses, double FeatureSeconds)
{
    public ErrorRateScore Wer(SpeechDecoding d) => ErrorRate.Wer(Hypotheses[d], References);
    public ErrorRateScore Cer(SpeechDecoding d) => ErrorRate.Cer(Hypotheses[d], References);
    /// <summary>Joint CTC/attention decoding when it ran, else the CTC head's when its weight is 1, else the decoder's.</summary>
    public SpeechDecoding Primary => Hypotheses.ContainsKey(SpeechDecoding.Joint) ? SpeechDecoding.Joint
        : Hypotheses.ContainsKey(SpeechDecoding.Ctc) && !Hypotheses.ContainsKey(SpeechDecoding.Attention) ? SpeechDecoding.Ctc : SpeechDecoding.Attention;
}
