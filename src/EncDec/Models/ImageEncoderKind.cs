namespace EncDec.Models;

/// <summary>The image encoder of an image-to-sequence or dual-encoder model.</summary>
public enum ImageEncoderKind { Cnn, Vit }
