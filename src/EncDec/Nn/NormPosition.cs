namespace EncDec.Nn;

/// <summary>Where layer normalisation sits: after each residual sum (PyTorch <c>norm_first=False</c>) or before each sublayer (<c>norm_first=True</c>).</summary>
public enum NormPosition { Post, Pre }
