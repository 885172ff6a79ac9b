using EncDec.Models;
using EncDec.Nn;

namespace EncDec.Interop.Onnx;

/// <summary>
/// Writes a Transformer <see cref="EncoderDecoder"/> (post- or pre-norm, sinusoidal or learned positions, ReLU or GELU,
/// shared/tied embeddings) as two ONNX graphs:
/// <list type="bullet">
/// <item>encoder: <c>src_ids</c> (batch, src_len) int64, <c>src_lengths</c> (batch) int64 → <c>memory</c> (batch, src_len, d),
/// <c>src_pad_mask</c> (batch, src_len) float (1 = padding), and per decoder layer i the cross-attention keys and values
/// <c>cross_key_i</c>, <c>cross_value_i</c> (batch, heads, src_len, head_dim), computed once per source;</item>
/// <item>decoder step: <c>tokens</c> (batch) int64, <c>position</c> (1) int64, <c>src_pad_mask</c>, the cross K/V, and per layer
/// the self-attention cache <c>past_key_i</c>, <c>past_value_i</c> (batch, heads, past_len, head_dim) → <c>logits</c> (batch, V)
/// and <c>present_key_i</c>, <c>present_value_i</c> (batch, heads, past_len + 1, head_dim).</item>
/// </list>
/// </summary>
internal static class TransformerOnnxExporter
{
    private const float MaskValue = -1e9f;   // additive mask at padding: exp underflows to exactly 0 as with −∞

    public static (OnnxGraph Encoder, OnnxGraph Decoder, OnnxModelInfo Info) Export(EncoderDecoder model, ModelConfig config)
    {
        var srcEmbed = (TransformerEmbedding)model.SrcEmbed;
        var tgtEmbed = (TransformerEmbedding)model.TgtEmbed;
        var enc = ((TransformerEncoderPart)model.Encoder).Stack;
        var dec = ((TransformerDecoderPart)model.Decoder).Stack;
        int d = config.DModel, heads = config.Heads, dh = d / heads, layers = dec.Layers.Count;

        // ---- encoder ------------------------------------------------------------------------------------------
        var g = new OnnxGraph("encdec_transformer_encoder");
        var ids = g.Input("src_ids", OnnxElementType.Int64, "batch", "src_len");
        var lengths = g.Input("src_lengths", OnnxElementType.Int64, "batch");
        var shape = g.Node("Shape", [ids]);                                                   // [B, S]
        var s1 = g.Node("Slice", [shape, g.Ints(1), g.Ints(2)]);                              // [S]
        var sScalar = g.Node("Squeeze", [s1, g.Ints(0)]);                                     // S
        var range = g.Node("Range", [g.IntScalar(0), sScalar, g.IntScalar(1)]);               // (S)
        var pad = g.Node("GreaterOrEqual", [g.Unsqueeze(range, 0), g.Unsqueeze(lengths, 1)]); // (1, S) ≥ (B, 1) → (B, S)
        var padF = g.Node("Cast", [pad], null, ("to", (long)OnnxElementType.Float));          // (B, S) 1 at padding
        var encMask = g.Unsqueeze(g.Mul(padF, g.FloatScalar(MaskValue)), 1, 2);               // (B, 1, 1, S)

        var x = Embed(g, srcEmbed, ids, g.Node("Slice", [Table(g, srcEmbed, config, "src_positions"), g.Ints(0), s1, g.Ints(0)]), "src_embed"); // (B, S, d)
        for (int i = 0; i < enc.Layers.Count; i++)
        {
            var l = enc.Layers[i];
            string p = $"encoder.layers.{i}";
            if (l.Options.Norm == NormPosition.Pre)
            {
                x = g.Add(x, SelfAttention(g, l.SelfAttn, g.LayerNorm(x, l.Norm1, p + ".norm1"), encMask, p + ".self_attn"));
                x = g.Add(x, FeedForward(g, l.FeedForward, g.LayerNorm(x, l.Norm2, p + ".norm2"), p));
            }
            else
            {
                x = g.LayerNorm(g.Add(x, SelfAttention(g, l.SelfAttn, x, encMask, p + ".self_attn")), l.Norm1, p + ".norm1");
                x = g.LayerNorm(g.Add(x, FeedForward(g, l.FeedForward, x, p)), l.Norm2, p + ".norm2");
            }
        }
        if (enc.Norm is not null) x = g.LayerNorm(x, enc.Norm, "encoder.norm");
        g.Output(x, "memory", OnnxElementType.Float, "batch", "src_len", d);
        g.Output(padF, "src_pad_mask", OnnxElementType.Float, "batch", "src_len");
        for (int i = 0; i < layers; i++)
        {
            var mha = dec.Layers[i].MultiheadAttn;
            string p = $"decoder.layers.{i}.multihead_attn";
            g.Output(Heads(g, g.Linear(x, mha.KProj, p + ".k_proj"), heads, dh), $"cross_key_{i}", OnnxElementType.Float, "batch", heads, "src_len", dh);
            g.Output(Heads(g, g.Linear(x, mha.VProj, p + ".v_proj"), heads, dh), $"cross_value_{i}", OnnxElementType.Float, "batch", heads, "src_len", dh);
        }

        // ---- decoder step ---------------------------------------------------------------------------------------
        var gd = new OnnxGraph("encdec_transformer_decoder_step");
        var tokens = gd.Input("tokens", OnnxElementType.Int64, "batch");
        var position = gd.Input("position", OnnxElementType.Int64, 1);
        var srcPad = gd.Input("src_pad_mask", OnnxElementType.Float, "batch", "src_len");
        var pastK = new string[layers]; var pastV = new string[layers]; var crossK = new string[layers]; var crossV = new string[layers];
        for (int i = 0; i < layers; i++)
        {
            pastK[i] = gd.Input($"past_key_{i}", OnnxElementType.Float, "batch", heads, "past_len", dh);
            pastV[i] = gd.Input($"past_value_{i}", OnnxElementType.Float, "batch", heads, "past_len", dh);
            crossK[i] = gd.Input($"cross_key_{i}", OnnxElementType.Float, "batch", heads, "src_len", dh);
            crossV[i] = gd.Input($"cross_value_{i}", OnnxElementType.Float, "batch", heads, "src_len", dh);
        }
        var crossMask = gd.Unsqueeze(gd.Mul(srcPad, gd.FloatScalar(MaskValue)), 1, 2);         // (B, 1, 1, S)
        var pe = gd.Node("Gather", [Table(gd, tgtEmbed, config, "tgt_positions"), position], null, ("axis", 0L)); // (1, d)
        var y = Embed(gd, tgtEmbed, gd.Unsqueeze(tokens, 1), pe, "tgt_embed");                 // (B, 1, d)
        var stateSpecs = new List<OnnxStateSpec>();
        for (int i = 0; i < layers; i++)
        {
            var l = dec.Layers[i];
            string p = $"decoder.layers.{i}";
            string SelfBlock(string input)
            {
                var (o, k, v) = CachedSelfAttention(gd, l.SelfAttn, input, pastK[i], pastV[i], p + ".self_attn");
                gd.Output(k, $"present_key_{i}", OnnxElementType.Float, "batch", heads, "present_len", dh);
                gd.Output(v, $"present_value_{i}", OnnxElementType.Float, "batch", heads, "present_len", dh);
                return o;
            }
            string CrossBlock(string input) => CrossAttention(gd, l.MultiheadAttn, input, crossK[i], crossV[i], crossMask, p + ".multihead_attn");
            if (l.Options.Norm == NormPosition.Pre)
            {
                y = gd.Add(y, SelfBlock(gd.LayerNorm(y, l.Norm1, p + ".norm1")));
                y = gd.Add(y, CrossBlock(gd.LayerNorm(y, l.Norm2, p + ".norm2")));
                y = gd.Add(y, FeedForward(gd, l.FeedForward, gd.LayerNorm(y, l.Norm3, p + ".norm3"), p));
            }
            else
            {
                y = gd.LayerNorm(gd.Add(y, SelfBlock(y)), l.Norm1, p + ".norm1");
                y = gd.LayerNorm(gd.Add(y, CrossBlock(y)), l.Norm2, p + ".norm2");
                y = gd.LayerNorm(gd.Add(y, FeedForward(gd, l.FeedForward, y, p)), l.Norm3, p + ".norm3");
            }
            stateSpecs.Add(new OnnxStateSpec($"past_key_{i}", $"present_key_{i}", null, [heads, 0, dh]));
            stateSpecs.Add(new OnnxStateSpec($"past_value_{i}", $"present_value_{i}", null, [heads, 0, dh]));
        }
        if (dec.Norm is not null) y = gd.LayerNorm(y, dec.Norm, "decoder.norm");
        var logits = gd.Reshape(gd.Linear(y, model.Generator, "generator"), 0, -1);            // (B, 1, V) → (B, V)
        gd.Output(logits, "logits", OnnxElementType.Float, "batch", config.TgtVocabSize);

        var constants = new List<string> { "src_pad_mask" };
        for (int i = 0; i < layers; i++) { constants.Add($"cross_key_{i}"); constants.Add($"cross_value_{i}"); }
        var info = new OnnxModelInfo
        {
            Family = ModelFamily.Transformer,
            UsesPosition = true,
            DecoderConstants = constants,
            States = stateSpecs,
            MaxPositions = MaxPositions(tgtEmbed, config),
        };
        return (g, gd, info);
    }

    private static int MaxPositions(TransformerEmbedding e, ModelConfig c)
        => e.Positions is LearnedPositionalEmbedding l ? l.MaxLength : c.MaxPositions;

    /// <summary>The position table (P, d): the learned embedding's weight, or the sinusoidal table for the model's maximum positions.</summary>
    private static string Table(OnnxGraph g, TransformerEmbedding e, ModelConfig c, string name)
    {
        int d = e.Tokens.EmbeddingDim;
        return e.Positions switch
        {
            LearnedPositionalEmbedding l => g.Weight(l.Weight, name),
            SinusoidalPositionalEncoding s => g.Floats(name, s.Table(c.MaxPositions).ToArray(), c.MaxPositions, d),
            _ => throw new NotSupportedException("unknown positional encoding"),
        };
    }

    /// <summary>ids (…) → token embedding · √d + positions (broadcast) → (…, d).</summary>
    private static string Embed(OnnxGraph g, TransformerEmbedding e, string ids, string positions, string name)
    {
        var tok = g.Node("Gather", [g.Weight(e.Tokens.Weight, name + ".weight"), ids], null, ("axis", 0L));   // (…, d)
        return g.Add(g.Mul(tok, g.FloatScalar(MathF.Sqrt(e.Tokens.EmbeddingDim))), positions);
    }

    /// <summary>(B, T, d) → (B, H, T, Dh).</summary>
    private static string Heads(OnnxGraph g, string x, int heads, int dh)
        => g.Transpose(g.Reshape(x, 0, 0, heads, dh), 0, 2, 1, 3);                               // (B, T, H, Dh) → (B, H, T, Dh)

    /// <summary>softmax(q·kᵀ/√Dh + mask)·v, merged heads, output projection: q (B, H, Tq, Dh), k/v (B, H, Tk, Dh) → (B, Tq, d).</summary>
    private static string Attend(OnnxGraph g, MultiheadAttention mha, string q, string k, string v, string? mask, string name)
    {
        var scores = g.Mul(g.MatMul(q, g.Transpose(k, 0, 1, 3, 2)), g.FloatScalar(1f / MathF.Sqrt(mha.HeadDim)));  // (B, H, Tq, Tk)
        if (mask is not null) scores = g.Add(scores, mask);
        var o = g.MatMul(g.Softmax(scores), v);                                                   // (B, H, Tq, Dh)
        var merged = g.Reshape(g.Transpose(o, 0, 2, 1, 3), 0, 0, mha.EmbedDim);                  // (B, Tq, H, Dh) → (B, Tq, d)
        return g.Linear(merged, mha.OutProj, name + ".out_proj");
    }

    private static string SelfAttention(OnnxGraph g, MultiheadAttention mha, string x, string mask, string name)
    {
        var q = Heads(g, g.Linear(x, mha.QProj, name + ".q_proj"), mha.NumHeads, mha.HeadDim);
        var k = Heads(g, g.Linear(x, mha.KProj, name + ".k_proj"), mha.NumHeads, mha.HeadDim);
        var v = Heads(g, g.Linear(x, mha.VProj, name + ".v_proj"), mha.NumHeads, mha.HeadDim);
        return Attend(g, mha, q, k, v, mask, name);
    }

    /// <summary>One step x (B, 1, d) with the cache (B, H, T, Dh) → (output (B, 1, d), keys and values (B, H, T + 1, Dh)).</summary>
    private static (string Out, string Key, string Value) CachedSelfAttention(OnnxGraph g, MultiheadAttention mha, string x, string pastK, string pastV, string name)
    {
        var q = Heads(g, g.Linear(x, mha.QProj, name + ".q_proj"), mha.NumHeads, mha.HeadDim);  // (B, H, 1, Dh)
        var k = g.Concat(2, pastK, Heads(g, g.Linear(x, mha.KProj, name + ".k_proj"), mha.NumHeads, mha.HeadDim));  // (B, H, T + 1, Dh)
        var v = g.Concat(2, pastV, Heads(g, g.Linear(x, mha.VProj, name + ".v_proj"), mha.NumHeads, mha.HeadDim));
        return (Attend(g, mha, q, k, v, null, name), k, v);
    }

    private static string CrossAttention(OnnxGraph g, MultiheadAttention mha, string x, string k, string v, string mask, string name)
        => Attend(g, mha, Heads(g, g.Linear(x, mha.QProj, name + ".q_proj"), mha.NumHeads, mha.HeadDim), k, v, mask, name);

    /// <summary>linear1 → ReLU | GELU (exact, erf) → linear2.</summary>
    private static string FeedForward(OnnxGraph g, PositionwiseFeedForward ff, string x, string name)
    {
        var h = g.Linear(x, ff.Linear1, name + ".linear1");                                       // (…, F)
        h = ff.Activation == Activation.Gelu
            ? g.Mul(g.Mul(h, g.FloatScalar(0.5f)), g.Add(g.FloatScalar(1f), g.Node("Erf", [g.Mul(h, g.FloatScalar(1f / MathF.Sqrt(2f)))])))
            : g.Node("Relu", [h]);
        return g.Linear(h, ff.Linear2, name + ".linear2");                                        // (…, d)
    }
}
