namespace EncDec.Interop.PyTorch;

/// <summary>
/// The PyTorch module layouts whose state dicts EncDec reads and writes (<c>--mapping</c>).
/// <para><see cref="Transformer"/>: a module with <c>src_tok_emb</c> (nn.Embedding), <c>tgt_tok_emb</c> (nn.Embedding),
/// <c>transformer</c> (nn.Transformer, batch_first, post- or pre-norm, its final encoder/decoder norms) and <c>generator</c>
/// (nn.Linear), embeddings scaled by √d plus sinusoidal positions (tests/fixtures/interop/make_pytorch_fixtures.py is the
/// reference module). Names: <c>src_tok_emb.weight</c> ↔ <c>src_embed.tokens.weight</c>, <c>tgt_tok_emb.weight</c> ↔
/// <c>tgt_embed.tokens.weight</c>, <c>transformer.encoder.*</c> ↔ <c>encoder.stack.*</c>, <c>transformer.decoder.*</c> ↔
/// <c>decoder.stack.*</c>, <c>generator.*</c> unchanged; each attention's packed <c>in_proj_weight</c> (3E, E) and
/// <c>in_proj_bias</c> (3E) ↔ EncDec's <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c> (rows 0..E, E..2E, 2E..3E).</para>
/// </summary>
public enum PyTorchMapping { Transformer }
