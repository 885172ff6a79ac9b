using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Interop.Onnx;

/// <summary>
/// Writes an LSTM encoder-decoder with attention (Bahdanau, Luong dot or general; input feeding on or off) as two ONNX graphs:
/// <list type="bullet">
/// <item>encoder: <c>src_ids</c>, <c>src_lengths</c> → <c>memory</c> (batch, src_len, D·H) from one ONNX <c>LSTM</c> node per layer
/// (with <c>sequence_lens</c>, so the reverse direction starts at each true end), <c>src_pad_mask</c>, <c>attn_keys</c>
/// (batch, src_len, A) for Bahdanau attention (the key projection, done once), and the decoder's initial state
/// <c>init_h_i</c>, <c>init_c_i</c> (batch, H) (the tanh bridge of the encoder's final states) and <c>init_feed</c> (zeros);</item>
/// <item>decoder step: <c>tokens</c> (batch), <c>memory</c>, <c>src_pad_mask</c>, [<c>attn_keys</c>], <c>h_i</c>, <c>c_i</c>, [<c>feed</c>]
/// → <c>logits</c> (batch, V), <c>attention</c> (batch, src_len), <c>next_h_i</c>, <c>next_c_i</c>, [<c>next_feed</c>].</item>
/// </list>
/// </summary>
internal static class RnnOnnxExporter
{
    private const float MaskValue = -1e9f;

    public static (OnnxGraph Encoder, OnnxGraph Decoder, OnnxModelInfo Info) Export(EncoderDecoder model, ModelConfig c)
    {
        if (c.Cell != RnnCellKind.Lstm)
            throw new UserInputException($"ONNX export of RNN models supports the LSTM cell, not {c.Cell.ToString().ToLowerInvariant()}");
        if (c.Attention is not (AttentionKind.Bahdanau or AttentionKind.LuongDot or AttentionKind.LuongGeneral))
            throw new UserInputException($"ONNX export of RNN models supports bahdanau, luong-dot and luong-general attention, not {c.Attention}");
        var encPart = (RnnEncoderPart)model.Encoder;
        var decPart = (RnnDecoderPart)model.Decoder;
        var lstm = (Lstm)encPart.Rnn;
        var srcTok = ((RnnEmbedding)model.SrcEmbed).Tokens;
        var tgtTok = ((RnnEmbedding)model.TgtEmbed).Tokens;
        int dirs = c.Bidirectional ? 2 : 1, h = c.HiddenSize, mem = h * dirs, decLayers = decPart.Cells.Count;
        bool feed = c.InputFeeding;
        var state = lstm.StateDict();

        // ---- encoder ------------------------------------------------------------------------------------------
        var g = new OnnxGraph("encdec_lstm_encoder");
        var ids = g.Input("src_ids", OnnxElementType.Int64, "batch", "src_len");
        var lengths = g.Input("src_lengths", OnnxElementType.Int64, "batch");
        var shape = g.Node("Shape", [ids]);                                                     // [B, S]
        var s1 = g.Node("Slice", [shape, g.Ints(1), g.Ints(2)]);
        var range = g.Node("Range", [g.IntScalar(0), g.Node("Squeeze", [s1, g.Ints(0)]), g.IntScalar(1)]);   // (S)
        var padF = g.Node("Cast", [g.Node("GreaterOrEqual", [g.Unsqueeze(range, 0), g.Unsqueeze(lengths, 1)])], null,
                          ("to", (long)OnnxElementType.Float));                                  // (B, S) 1 at padding
        var seqLens = g.Node("Cast", [lengths], null, ("to", (long)OnnxElementType.Int32));
        var x = g.Transpose(g.Node("Gather", [g.Weight(srcTok.Weight, "src_embed.weight"), ids], null, ("axis", 0L)), 1, 0, 2); // (B, S, E) → (S, B, E)
        var finalH = new string[c.EncoderLayers]; var finalC = new string[c.EncoderLayers];
        for (int l = 0; l < c.EncoderLayers; l++)
        {
            int inSize = state[$"weight_ih_l{l}"].Shape[1];
            var w = Stack(g, dirs, d => Gates(state[$"weight_ih_l{l}{Sfx(d)}"]), $"encoder.lstm.W_l{l}", 4 * h, inSize);  // (D, 4H, I)
            var r = Stack(g, dirs, d => Gates(state[$"weight_hh_l{l}{Sfx(d)}"]), $"encoder.lstm.R_l{l}", 4 * h, h);       // (D, 4H, H)
            var b = Stack(g, dirs, d => Concat1D(Gates(state[$"bias_ih_l{l}{Sfx(d)}"]), Gates(state[$"bias_hh_l{l}{Sfx(d)}"])), $"encoder.lstm.B_l{l}", 8 * h); // (D, 8H)
            var outs = g.NodeMulti("LSTM", [x, w, r, b, seqLens], 3, null,
                                   ("hidden_size", (long)h), ("direction", dirs == 2 ? "bidirectional" : "forward"));
            x = g.Reshape(g.Transpose(outs[0], 0, 2, 1, 3), 0, 0, mem);                          // (S, D, B, H) → (S, B, D, H) → (S, B, D·H)
            finalH[l] = g.Reshape(g.Transpose(outs[1], 1, 0, 2), 0, mem);                         // (D, B, H) → (B, D, H) → (B, D·H)
            finalC[l] = g.Reshape(g.Transpose(outs[2], 1, 0, 2), 0, mem);
        }
        var memory = g.Transpose(x, 1, 0, 2);                                                     // (B, S, D·H)
        g.Output(memory, "memory", OnnxElementType.Float, "batch", "src_len", mem);
        g.Output(padF, "src_pad_mask", OnnxElementType.Float, "batch", "src_len");
        if (decPart.Attention is BahdanauAttention ba)
            g.Output(g.Linear(memory, ba.KeyProj, "decoder.attention.key_proj"), "attn_keys", OnnxElementType.Float, "batch", "src_len", ba.KeyProj.OutFeatures);
        var states = new List<OnnxStateSpec>();
        for (int i = 0; i < decLayers; i++)
        {
            int src = Math.Min(i, c.EncoderLayers - 1);
            g.Output(g.Tanh(g.Linear(finalH[src], decPart.Bridge, "decoder.bridge")), $"init_h_{i}", OnnxElementType.Float, "batch", h);
            g.Output(g.Tanh(g.Linear(finalC[src], decPart.BridgeCell!, "decoder.bridge_cell")), $"init_c_{i}", OnnxElementType.Float, "batch", h);
            states.Add(new OnnxStateSpec($"h_{i}", $"next_h_{i}", $"init_h_{i}", null));
            states.Add(new OnnxStateSpec($"c_{i}", $"next_c_{i}", $"init_c_{i}", null));
        }
        if (feed)
        {
            var rows = g.Node("Slice", [shape, g.Ints(0), g.Ints(1)]);                          // [B]
            var zeros = g.Node("Expand", [g.Floats("zero_row", new float[h], 1, h), g.Concat(0, rows, g.Ints(h))]); // (B, H)
            g.Output(zeros, "init_feed", OnnxElementType.Float, "batch", h);
            states.Add(new OnnxStateSpec("feed", "next_feed", "init_feed", null));
        }

        // ---- decoder step ---------------------------------------------------------------------------------------
        var gd = new OnnxGraph("encdec_lstm_decoder_step");
        var tokens = gd.Input("tokens", OnnxElementType.Int64, "batch");
        var dMemory = gd.Input("memory", OnnxElementType.Float, "batch", "src_len", mem);
        var dPad = gd.Input("src_pad_mask", OnnxElementType.Float, "batch", "src_len");
        string? keys = decPart.Attention is BahdanauAttention ba2
            ? gd.Input("attn_keys", OnnxElementType.Float, "batch", "src_len", ba2.KeyProj.OutFeatures) : null;
        var hs = new string[decLayers]; var cs = new string[decLayers];
        for (int i = 0; i < decLayers; i++)
        {
            hs[i] = gd.Input($"h_{i}", OnnxElementType.Float, "batch", h);
            cs[i] = gd.Input($"c_{i}", OnnxElementType.Float, "batch", h);
        }
        string? feedIn = feed ? gd.Input("feed", OnnxElementType.Float, "batch", h) : null;
        var emb = gd.Node("Gather", [gd.Weight(tgtTok.Weight, "tgt_embed.weight"), tokens], null, ("axis", 0L));   // (B, E)
        var input = feedIn is null ? emb : gd.Concat(1, emb, feedIn);                              // (B, E + H)
        for (int i = 0; i < decLayers; i++)
        {
            var cell = (LstmCell)decPart.Cells[i];
            string p = $"decoder.cells.{i}";
            var gates = gd.Add(LinearRaw(gd, input, cell.WeightIh, cell.BiasIh, p + ".ih"), LinearRaw(gd, hs[i], cell.WeightHh, cell.BiasHh, p + ".hh")); // (B, 4H)
            var ig = gd.Sigmoid(gd.SliceLast(gates, 0, h));
            var fg = gd.Sigmoid(gd.SliceLast(gates, h, 2 * h));
            var gg = gd.Tanh(gd.SliceLast(gates, 2 * h, 3 * h));
            var og = gd.Sigmoid(gd.SliceLast(gates, 3 * h, 4 * h));
            var cn = gd.Add(gd.Mul(fg, cs[i]), gd.Mul(ig, gg));                                    // (B, H)
            var hn = gd.Mul(og, gd.Tanh(cn));
            gd.Output(hn, $"next_h_{i}", OnnxElementType.Float, "batch", h);
            gd.Output(cn, $"next_c_{i}", OnnxElementType.Float, "batch", h);
            input = hn;
        }
        var top = input;                                                                           // (B, H)
        string scores = decPart.Attention switch                                                   // (B, S)
        {
            BahdanauAttention b => gd.Reshape(gd.MatMul(gd.Tanh(gd.Add(keys!, gd.Unsqueeze(gd.Linear(top, b.QueryProj, "decoder.attention.query_proj"), 1))),
                                                      gd.WeightTransposed(b.V.Weight, "decoder.attention.v")), 0, -1),  // (B, S, A)·(A, 1) → (B, S)
            LuongAttention { Score: LuongScore.Dot } => gd.Reshape(gd.MatMul(dMemory, gd.Unsqueeze(top, 2)), 0, -1),       // (B, S, M)·(B, M, 1) → (B, S)
            LuongAttention la => gd.Reshape(gd.MatMul(dMemory, gd.Unsqueeze(gd.MatMul(top, gd.Weight(la.Proj!.Weight, "decoder.attention.proj")), 2)), 0, -1),
            _ => throw new NotSupportedException(),
        };
        var weights = gd.Softmax(gd.Add(scores, gd.Mul(dPad, gd.FloatScalar(MaskValue))));          // (B, S)
        var context = gd.Reshape(gd.MatMul(gd.Unsqueeze(weights, 1), dMemory), 0, -1);            // (B, 1, S)·(B, S, M) → (B, M)
        var outVec = gd.Tanh(gd.Linear(gd.Concat(1, context, top), decPart.OutProj, "decoder.out_proj"));   // (B, H)
        if (feed) gd.Output(outVec, "next_feed", OnnxElementType.Float, "batch", h);
        gd.Output(gd.Linear(outVec, model.Generator, "generator"), "logits", OnnxElementType.Float, "batch", c.TgtVocabSize);
        gd.Output(weights, "attention", OnnxElementType.Float, "batch", "src_len");

        var constants = new List<string> { "memory", "src_pad_mask" };
        if (keys is not null) constants.Add("attn_keys");
        var info = new OnnxModelInfo { Family = ModelFamily.Rnn, UsesPosition = false, HasAttention = true, DecoderConstants = constants, States = states };
        return (g, gd, info);
    }

    private static string Sfx(int direction) => direction == 1 ? "_reverse" : "";

    private static string LinearRaw(OnnxGraph g, string x, Tensor w, Tensor? b, string name)
    {
        var y = g.MatMul(x, g.WeightTransposed(w, name + ".weight"));                              // (B, in)·(in, out) → (B, out)
        return b is null ? y : g.Add(y, g.Weight(b, name + ".bias"));
    }

    /// <summary>PyTorch's gate blocks [i f g o] along dim 0 → ONNX's [i o f c].</summary>
    private static float[] Gates(Tensor t)
    {
        var a = t.Contiguous().ToArray();
        int block = a.Length / 4;
        var r = new float[a.Length];
        int[] order = [0, 3, 1, 2];
        for (int k = 0; k < 4; k++) Array.Copy(a, order[k] * block, r, k * block, block);
        return r;
    }

    private static float[] Concat1D(float[] a, float[] b) => [.. a, .. b];

    /// <summary>Per-direction arrays stacked along a new first axis as one initializer (D, …).</summary>
    private static string Stack(OnnxGraph g, int dirs, Func<int, float[]> dir, string name, params long[] perDirection)
    {
        var parts = Enumerable.Range(0, dirs).Select(dir).ToArray();
        return g.Floats(name, parts.SelectMany(p => p).ToArray(), [dirs, .. perDirection]);
    }
}
