namespace EncDec.Tensors;

/// <summary>
/// The geometry of a 2-D convolution window over one image: input (C, H, W), kernel (kh, kw), stride, zero padding,
/// dilation, output (Ho, Wo). A 1-D convolution is the case H = kh = 1.
/// </summary>
public readonly record struct ConvGeometry(int C, int H, int W, int Kh, int Kw, int Sh, int Sw, int Ph, int Pw, int Dh, int Dw)
{
    public int Ho => (H + 2 * Ph - Dh * (Kh - 1) - 1) / Sh + 1;
    public int Wo => (W + 2 * Pw - Dw * (Kw - 1) - 1) / Sw + 1;
    /// <summary>Rows of the column matrix: C·kh·kw.</summary>
    public int K => C * Kh * Kw;
    /// <summary>Columns of the column matrix: Ho·Wo.</summary>
    public int L => Ho * Wo;
    /// <summary>A 1×1 window with unit stride and no padding: the image itself is the column matrix.</summary>
    public bool IsPointwise => Kh == 1 && Kw == 1 && Sh == 1 && Sw == 1 && Ph == 0 && Pw == 0;
}
