using EncDec.Training;

namespace EncDec.Speech.Training;

/// <summary>Settings of a speech-to-text training run: the shared <see cref="SupervisedTrainOptions"/> (2,000 steps by default) and the CTC weight.</summary>
public sealed record SpeechTrainOptions : SupervisedTrainOptions
{
    public SpeechTrainOptions() => Steps = 2000;

    /// <summary>
    /// Weight λ of the auxiliary CTC loss on the encoder (needs a model with a CTC head): the loss is
    /// (1 − λ)·cross-entropy + λ·CTC, so 0 trains the decoder alone and 1 the CTC head alone.
    /// </summary>
    public double CtcWeight { get; init; }
}
