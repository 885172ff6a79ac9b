using EncDec.Training;

namespace EncDec.Vision.Training;

/// <summary>Settings of an image training run (image-to-sequence, dual encoder, segmentation): the shared <see cref="SupervisedTrainOptions"/>.</summary>
public sealed record ImageTrainOptions : SupervisedTrainOptions;
