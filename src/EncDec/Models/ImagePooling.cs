namespace EncDec.Models;

/// <summary>
/// How a <see cref="DualEncoder"/> turns the image encoder's sequence (N, S, d) into one vector (N, d)
/// (<see cref="VisionConfig.Pooling"/>).
/// </summary>
public enum ImagePooling
{
    /// <summary>The encoder's own: the mean over the grid for the CNN, the class token for the ViT.</summary>
    Default,
    /// <summary>The mean over the sequence (position is lost unless earlier layers mixed it in).</summary>
    Mean,
    /// <summary>A learned query attends over the sequence (<see cref="Nn.AttentionPool"/>, as CLIP's attention pooling).</summary>
    Attention,
    /// <summary>The whole sequence flattened (N, S·d) through a linear layer to d: every position keeps its own weights.</summary>
    Flatten,
}
