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
/// <para><see cref="Lstm"/>: an nn.LSTM encoder-decoder with attention and input feeding (tests/fixtures/interop/
/// make_pytorch_lstm_fixtures.py is the reference module): <c>src_emb</c>/<c>tgt_emb</c> (nn.Embedding) ↔
/// <c>src_embed.tokens</c>/<c>tgt_embed.tokens</c>, <c>encoder</c> (nn.LSTM, batch_first, packed over the lengths,
/// bidirectional or not) ↔ <c>encoder.rnn</c>, <c>bridge_h</c>/<c>bridge_c</c> ↔ <c>decoder.bridge</c>/<c>decoder.bridge_cell</c>,
/// <c>decoder.N</c> (nn.LSTMCell) ↔ <c>decoder.cells.N</c>, <c>attention.*</c> ↔ <c>decoder.attention.*</c> (Bahdanau
/// <c>query_proj</c>/<c>key_proj</c>/<c>v</c>, Luong general <c>proj</c>), <c>out_proj</c> ↔ <c>decoder.out_proj</c>,
/// <c>generator</c> unchanged. Inside each LSTM the names (<c>weight_ih_l0</c>, <c>weight_hh_l0</c>, <c>bias_ih_l0</c>,
/// <c>bias_hh_l0</c>, <c>*_reverse</c>) and the gate order i, f, g, o are PyTorch's, so tensors are copied unchanged.</para>
/// </summary>
public enum PyTorchMapping { Transformer, Lstm }
