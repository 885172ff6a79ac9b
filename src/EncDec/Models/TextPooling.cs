namespace EncDec.Models;

/// <summary>How a <see cref="DualEncoder"/> turns the text encoder's token states (N, T, d) into one vector (N, d) (<see cref="VisionConfig.TextPooling"/>).</summary>
public enum TextPooling
{
    /// <summary>The mean over the real (non-padding) tokens.</summary>
    Mean,
    /// <summary>A learned query attends over the real tokens (<see cref="Nn.AttentionPool"/>).</summary>
    Attention,
}
