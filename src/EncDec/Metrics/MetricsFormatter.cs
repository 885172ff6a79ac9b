using System.Text;
using System.Text.Json;

namespace EncDec.Metrics;

/// <summary>Text (sacreBLEU's familiar form) and JSON renderings of metric results.</summary>
public static class MetricsFormatter
{
    /// <summary>
    /// sacreBLEU's text line, e.g. <c>BLEU = 32.50 63.4/38.9/25.8/17.5 (BP = 1.000 ratio = 1.023 hyp_len = 9890 ref_len = 9672)</c>;
    /// with <paramref name="withSignature"/> the sacreBLEU 2.x <c>-f text</c> form <c>BLEU|nrefs:1|…|version:encdec = 32.50 …</c>.
    /// Numbers are rounded as Python's format does (half-to-even on the exact binary value).
    /// </summary>
    public static string FormatBleu(BleuScore s, bool withSignature = false, int width = 2)
    {
        string prec = string.Join('/', s.Precisions.Select(p => PyText.FormatFixed(p, 1)));
        string name = withSignature ? "BLEU|" + s.Signature : "BLEU";
        return $"{name} = {PyText.FormatFixed(s.Score, width)} {prec} (BP = {PyText.FormatFixed(s.Bp, 3)} " +
               $"ratio = {PyText.FormatFixed(s.Ratio, 3)} hyp_len = {s.SysLen} ref_len = {s.RefLen})";
    }

    /// <summary><c>chrF2 = 55.32</c> (or <c>chrF2|nrefs:1|… = 55.32</c> with the signature).</summary>
    public static string FormatChrF(ChrFScore s, bool withSignature = false, int width = 2)
        => $"{(withSignature ? s.Name + "|" + s.Signature : s.Name)} = {PyText.FormatFixed(s.Score, width)}";

    /// <summary>Three lines <c>ROUGE-1 = 45.67 (P = 50.00 R = 42.00)</c> etc., on a 0–100 scale.</summary>
    public static string FormatRouge(RougeScore s)
    {
        static string Line(string name, RougeValue v) =>
            $"{name} = {PyText.FormatFixed(100 * v.F1, 2)} (P = {PyText.FormatFixed(100 * v.Precision, 2)} R = {PyText.FormatFixed(100 * v.Recall, 2)})";
        return Line("ROUGE-1", s.Rouge1) + "\n" + Line("ROUGE-2", s.Rouge2) + "\n" + Line("ROUGE-L", s.RougeL);
    }

    /// <summary><c>ExactMatch = 12.50</c> (percent).</summary>
    public static string FormatExactMatch(double fraction) => $"ExactMatch = {PyText.FormatFixed(100 * fraction, 2)}";

    /// <summary>All computed metrics as text, one metric per line (signatures included).</summary>
    public static string FormatText(MetricsReport r)
    {
        var lines = new List<string>();
        if (r.Bleu is { } b) lines.Add(FormatBleu(b, withSignature: true));
        if (r.ChrF is { } c) lines.Add(FormatChrF(c, withSignature: true));
        if (r.Rouge is { } ro) lines.Add(FormatRouge(ro));
        if (r.ExactMatch is { } e) lines.Add(FormatExactMatch(e));
        if (r.Wer is { } wer) lines.Add(ErrorRate.Format("WER", wer, "words"));
        if (r.Cer is { } cer) lines.Add(ErrorRate.Format("CER", cer, "characters"));
        return string.Join('\n', lines);
    }

    /// <summary>
    /// A JSON object with full-precision numbers: <c>bleu</c>, <c>counts</c>, <c>totals</c>, <c>precisions</c>, <c>bp</c>,
    /// <c>ratio</c>, <c>sys_len</c>, <c>ref_len</c> (when BLEU was computed), <c>chrf</c>, <c>rouge1</c>/<c>rouge2</c>/<c>rougeL</c>
    /// (objects with <c>p</c>, <c>r</c>, <c>f</c>, 0–1), <c>exact_match</c> (0–1), <c>segments</c>, and <c>signature</c>:
    /// an object mapping <c>bleu</c> and/or <c>chrf</c> to its signature string (the two metrics' signatures differ).
    /// </summary>
    public static string ToJson(MetricsReport r, bool indented = true)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            if (r.Bleu is { } b)
            {
                w.WriteNumber("bleu", b.Score);
                WriteArray(w, "counts", b.Counts);
                WriteArray(w, "totals", b.Totals);
                w.WriteStartArray("precisions");
                foreach (double p in b.Precisions) w.WriteNumberValue(p);
                w.WriteEndArray();
                w.WriteNumber("bp", b.Bp);
                w.WriteNumber("ratio", b.Ratio);
                w.WriteNumber("sys_len", b.SysLen);
                w.WriteNumber("ref_len", b.RefLen);
            }
            if (r.ChrF is { } c)
            {
                w.WriteNumber("chrf", c.Score);
                w.WriteString("chrf_name", c.Name);
            }
            if (r.Rouge is { } ro)
            {
                WriteRouge(w, "rouge1", ro.Rouge1);
                WriteRouge(w, "rouge2", ro.Rouge2);
                WriteRouge(w, "rougeL", ro.RougeL);
            }
            if (r.ExactMatch is { } e) w.WriteNumber("exact_match", e);
            if (r.Wer is { } wer) WriteErrorRate(w, "wer", wer);
            if (r.Cer is { } cer) WriteErrorRate(w, "cer", cer);
            w.WriteNumber("segments", r.Segments);
            w.WriteStartObject("signature");
            if (r.Bleu is { } b2) w.WriteString("bleu", b2.Signature);
            if (r.ChrF is { } c2) w.WriteString("chrf", c2.Signature);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteArray(Utf8JsonWriter w, string name, IReadOnlyList<long> values)
    {
        w.WriteStartArray(name);
        foreach (long v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    private static void WriteErrorRate(Utf8JsonWriter w, string name, ErrorRateScore s)
    {
        w.WriteNumber(name, s.Rate);
        w.WriteStartObject(name + "_counts");
        w.WriteNumber("substitutions", s.Substitutions);
        w.WriteNumber("deletions", s.Deletions);
        w.WriteNumber("insertions", s.Insertions);
        w.WriteNumber("hits", s.Hits);
        w.WriteEndObject();
    }

    private static void WriteRouge(Utf8JsonWriter w, string name, RougeValue v)
    {
        w.WriteStartObject(name);
        w.WriteNumber("p", v.Precision);
        w.WriteNumber("r", v.Recall);
        w.WriteNumber("f", v.F1);
        w.WriteEndObject();
    }
}
