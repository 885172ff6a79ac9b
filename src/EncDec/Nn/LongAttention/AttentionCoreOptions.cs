namespace EncDec.Nn.LongAttention;

/// <summary>
/// Which attention core a self-attention layer uses and its sizes. <paramref name="Chunk"/>: query and key block
/// size of the chunked and sliding kernels (and the block of causal linear attention). <paramref name="Window"/>:
/// sliding window — a causal query at position i sees keys i−w+1 … i, a bidirectional one keys within w/2 on each
/// side. <paramref name="GlobalTokens"/>: the first G positions attend to every key and every query attends to
/// them (Longformer's global attention); sliding only.
/// </summary>
public sealed record AttentionCoreOptions(AttentionCoreKind Kind = AttentionCoreKind.Full, int Chunk = 128, int Window = 256, int GlobalTokens = 0)
{
    public static readonly AttentionCoreOptions Full = new();
}
