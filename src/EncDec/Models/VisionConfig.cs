using System.Text.Json.Serialization;

namespace EncDec.Models;

/// <summary>
/// The image side of a vision model (<see cref="ModelConfig.Vision"/>): input size and channels, and the encoder.
/// CNN: a 3×3 stem of <see cref="CnnWidth"/> channels, then one residual block per entry of <see cref="CnnStages"/>
/// (its channels as a multiple of the width; every block halves the grid), a 1×1 projection to d_model and learned
/// positions over the final grid. ViT: <see cref="PatchSize"/>-pixel patches, a class token, learned positions and
/// <see cref="ModelConfig.EncoderLayers"/> Transformer encoder layers. U-Net: <see cref="CnnStages"/> gives the
/// channel multiples of its levels.
/// </summary>
public sealed record VisionConfig
{
    public ImageEncoderKind Encoder { get; init; } = ImageEncoderKind.Cnn;
    public int Channels { get; init; } = 1;
    public int Height { get; init; } = 16;
    public int Width { get; init; } = 64;
    public int PatchSize { get; init; } = 4;
    public int CnnWidth { get; init; } = 16;
    public int[] CnnStages { get; init; } = [2, 4];
    /// <summary>CNN: pre-norm Transformer encoder layers over the flattened grid (0 = none, the grid features go to the decoder as they are).</summary>
    public int CnnContextLayers { get; init; }
    /// <summary>CNN: average the final grid over its rows, so the decoder attends over a 1 × gw row of columns (text read left to right).</summary>
    public bool CnnPoolRows { get; init; }
    /// <summary>Dual encoder: how the image sequence becomes one vector (<see cref="ImagePooling"/>; default the encoder's own).</summary>
    public ImagePooling Pooling { get; init; } = ImagePooling.Default;
    /// <summary>Dual encoder: how the caption's token states become one vector (<see cref="Models.TextPooling"/>; default the mean).</summary>
    public TextPooling TextPooling { get; init; } = TextPooling.Mean;
    /// <summary>
    /// Dual encoder: λ of a CoCa-style captioning loss (a <see cref="ModelConfig.DecoderLayers"/>-layer Transformer
    /// decoder over the image sequence predicting the caption, <c>caption_*</c>) added to the contrastive loss; 0 = none.
    /// </summary>
    public float CaptionLossWeight { get; init; }

    [JsonIgnore] public int GridHeight => Encoder == ImageEncoderKind.Vit ? Height / PatchSize : CnnPoolRows ? 1 : Height >> CnnStages.Length;
    [JsonIgnore] public int GridWidth => Encoder == ImageEncoderKind.Vit ? Width / PatchSize : Width >> CnnStages.Length;

    internal void Validate(Action<bool, string> need)
    {
        need(Channels > 0 && Height > 0 && Width > 0, "vision channels, height and width must be positive");
        need(CnnWidth > 0 && CnnStages.Length > 0 && CnnStages.All(s => s > 0), "vision cnn_width and cnn_stages must be positive");
        need(CnnContextLayers >= 0, "vision cnn_context_layers must not be negative");
        need(CaptionLossWeight >= 0 && float.IsFinite(CaptionLossWeight), "vision caption_loss_weight must be a finite number ≥ 0");
        if (Encoder == ImageEncoderKind.Vit)
            need(PatchSize > 0 && Height % PatchSize == 0 && Width % PatchSize == 0, $"vision height {Height} and width {Width} must be multiples of patch_size {PatchSize}");
        else
            need(Height % (1 << CnnStages.Length) == 0 && Width % (1 << CnnStages.Length) == 0,
                 $"vision height {Height} and width {Width} must be multiples of 2^{CnnStages.Length} (one halving per stage)");
    }
}
