using System.Buffers;
using System.Text.Json;
using EncDec.Generation;

namespace EncDec.Server;

/// <summary>The JSON bodies the server writes (snake_case, one object each).</summary>
public static class ResponseJson
{
    public static byte[] Error(string message) => Write(w => { w.WriteStartObject(); w.WriteString("error", message); w.WriteEndObject(); });

    /// <summary>
    /// <c>{"model", "results": [{"source", "source_tokens", "hypotheses": [{"text", "score", "normalized_score",
    /// "tokens"?, "token_scores"?, "attention"?}]}], "batch": {"texts", "requests"}, "decode_ms"}</c>. Attention is
    /// (output tokens + EOS) rows × source tokens. An empty text's result is one empty hypothesis with score 0 (nothing is
    /// decoded for it, as in <c>translate</c>).
    /// </summary>
    public static byte[] Translation(ServedModel m, TranslateRequest r, DecodeOutcome outcome) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("model", m.Name);
        w.WriteStartArray("results");
        foreach (var t in outcome.Results) WriteResult(w, m, r, t);
        w.WriteEndArray();
        w.WriteStartObject("batch");
        w.WriteNumber("texts", outcome.BatchTexts);
        w.WriteNumber("requests", outcome.BatchRequests);
        w.WriteEndObject();
        w.WriteNumber("decode_ms", Math.Round(outcome.DecodeSeconds * 1000, 2));
        w.WriteEndObject();
    });

    internal static void WriteResult(Utf8JsonWriter w, ServedModel m, TranslateRequest r, Translation g)
    {
        w.WriteStartObject();
        w.WriteString("source", g.Source);
        w.WriteStartArray("source_tokens");
        foreach (var t in g.SourceTokens) w.WriteStringValue(t);
        w.WriteEndArray();
        w.WriteStartArray("hypotheses");
        foreach (var h in g.NBest)
        {
            w.WriteStartObject();
            w.WriteString("text", h.Text);
            w.WriteNumber("score", Round(h.Score));
            w.WriteNumber("normalized_score", Round(h.NormalizedScore));
            if (r.ReturnScores || r.ReturnAttention)
            {
                w.WriteStartArray("tokens");
                foreach (var t in h.Tokens) w.WriteStringValue(m.Target.Vocab[t]);
                w.WriteEndArray();
            }
            if (r.ReturnScores && h.TokenLogProbs is { } lp)
            {
                w.WriteStartArray("token_scores");
                foreach (var x in lp) w.WriteNumberValue(Round(x));
                w.WriteEndArray();
            }
            if (r.ReturnAttention && h.Attention is { } a)
            {
                w.WriteStartArray("attention");
                for (int i = 0; i < a.GetLength(0); i++)
                {
                    w.WriteStartArray();
                    for (int j = 0; j < a.GetLength(1); j++) w.WriteNumberValue(Math.Round(a[i, j], 5));
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static double Round(float x) => float.IsFinite(x) ? Math.Round(x, 5) : -1e30;

    public static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buf = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buf, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            body(w);
        return buf.WrittenSpan.ToArray();
    }
}
