namespace EncDec.Models;

/// <summary>
/// The per-layer sizes of a structurally pruned Transformer (<c>encdec prune --structured</c>): attention heads kept per
/// layer (each of the original width d_model / heads) and FFN neurons kept per layer. One entry per encoder / decoder
/// layer; a missing list keeps the config's uniform <see cref="ModelConfig.Heads"/> / <see cref="ModelConfig.FeedForward"/>.
/// </summary>
public sealed record PrunedWidths
{
    public IReadOnlyList<int>? EncoderHeads { get; init; }
    public IReadOnlyList<int>? EncoderFeedForward { get; init; }
    public IReadOnlyList<int>? DecoderSelfHeads { get; init; }
    public IReadOnlyList<int>? DecoderCrossHeads { get; init; }
    public IReadOnlyList<int>? DecoderFeedForward { get; init; }

    internal void Validate(ModelConfig c, Action<bool, string> need)
    {
        void Check(IReadOnlyList<int>? list, int layers, int max, string name)
        {
            if (list is null) return;
            need(list.Count == layers, $"pruned.{name} has {list.Count} entries for {layers} layers");
            foreach (var v in list) need(v >= 1 && v <= max, $"pruned.{name} entries must be in [1, {max}], got {v}");
        }
        Check(EncoderHeads, c.EncoderLayers, c.Heads, "encoder_heads");
        Check(EncoderFeedForward, c.EncoderLayers, c.FeedForward, "encoder_feed_forward");
        Check(DecoderSelfHeads, c.DecoderLayers, c.Heads, "decoder_self_heads");
        Check(DecoderCrossHeads, c.DecoderLayers, c.Heads, "decoder_cross_heads");
        Check(DecoderFeedForward, c.DecoderLayers, c.FeedForward, "decoder_feed_forward");
    }
}
