using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Maps images (N, C, H, W) to a sequence of region features (N, S, d) that a decoder attends over.</summary>
public interface IImageEncoder
{
    /// <summary>Positions S of the output sequence (grid cells, plus a class token for ViT).</summary>
    int SequenceLength { get; }
    /// <summary>The grid (rows, columns) the first positions cover, row-major, for attention overlays.</summary>
    (int Rows, int Cols) Grid { get; }
    Tensor Forward(Tensor images);
}
