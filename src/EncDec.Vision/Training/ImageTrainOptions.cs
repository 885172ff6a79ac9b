using EncDec.Training;

namespace EncDec.Vision.Training;

/// <summary>Settings of an image training run (image-to-sequence, dual encoder, segmentation): the shared <see cref="SupervisedTrainOptions"/>.</summary>
public sealed record ImageTrainOptions : SupervisedTrainOptions
{
    /// <summary>Decoupled weight decay (AdamW) of the image-to-sequence trainer; 0 = plain Adam.</summary>
    public double WeightDecay { get; init; }

    /// <summary>
    /// Exponential moving average of the weights kept by the image-to-sequence trainer (0 = none): after every step
    /// avg = k·avg + (1 − k)·weight with k = min(decay, (1 + step) / (10 + step)), and the averages replace the weights when training ends.
    /// </summary>
    public double EmaDecay { get; init; }
}
