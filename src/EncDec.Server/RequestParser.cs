using System.Text.Json;
using EncDec.Generation;

namespace EncDec.Server;

/// <summary>
/// Reads a translate request body strictly: unknown fields, wrong JSON types and out-of-range values are a
/// <see cref="RequestException"/> (400) naming the field; too many texts or too long a text one with 413 naming
/// the limit.
/// </summary>
public static class RequestParser
{
    public static TranslateRequest Parse(ReadOnlySpan<byte> body, ServerSettings limits)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException e) { throw Bad($"invalid JSON: {OneLine(e.Message)}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad("the body must be a JSON object");
            var r = new TranslateRequest();
            string? strategy = null;
            foreach (var p in root.EnumerateObject())
            {
                var v = p.Value;
                r = p.Name switch
                {
                    "texts" => r with { Texts = Texts(v, limits) },
                    "strategy" => r with { Strategy = StrategyOf(v, out strategy) },
                    "beam" => r with { Beam = Int(v, "beam", 1, limits.MaxBeam) },
                    "n_best" => r with { NBest = Int(v, "n_best", 1, limits.MaxBeam) },
                    "temperature" => r with { Temperature = Float(v, "temperature", 0, float.MaxValue, openLow: true) },
                    "top_k" => r with { TopK = Int(v, "top_k", 0, int.MaxValue) },
                    "top_p" => r with { TopP = Float(v, "top_p", 0, 1, openLow: true) },
                    "typical_p" => r with { TypicalP = Float(v, "typical_p", 0, 1, openLow: true) },
                    "min_p" => r with { MinP = Float(v, "min_p", 0, 1) },
                    "length_penalty" => r with { LengthPenalty = Float(v, "length_penalty", 0, 10) },
                    "max_length" => r with { MaxLength = Int(v, "max_length", 1, limits.MaxOutputLength) },
                    "min_length" => r with { MinLength = Int(v, "min_length", 0, limits.MaxOutputLength) },
                    "repetition_penalty" => r with { RepetitionPenalty = Float(v, "repetition_penalty", 0, 100, openLow: true) },
                    "no_repeat_ngram" => r with { NoRepeatNgram = Int(v, "no_repeat_ngram", 0, 100) },
                    "seed" => r with { Seed = Seed(v) },
                    "prefix" => r with { Prefix = Str(v, "prefix", limits) },
                    "constraints" => r with { Constraints = Phrases(v, limits) },
                    "return_attention" => r with { ReturnAttention = Bool(v, "return_attention") },
                    "return_scores" => r with { ReturnScores = Bool(v, "return_scores") },
                    _ => throw Bad($"unknown field '{p.Name}'"),
                };
            }
            if (!root.TryGetProperty("texts", out _)) throw Bad("field 'texts' is required");
            // the strategy: as given, else beam when a beam, n-best or constraints ask for it, else greedy
            if (strategy is null)
                r = r with { Strategy = r.Beam > 1 || r.NBest > 1 || r.Constraints.Count > 0 ? DecodingStrategy.Beam : DecodingStrategy.Greedy };
            if (r.Strategy == DecodingStrategy.Beam && !root.TryGetProperty("beam", out _))
                r = r with { Beam = Math.Min(limits.MaxBeam, Math.Max(4, r.NBest)) };
            if (r.Strategy == DecodingStrategy.Beam && r.NBest > r.Beam) throw Bad($"field 'n_best' ({r.NBest}) must be at most 'beam' ({r.Beam})");
            if (r.Strategy == DecodingStrategy.Greedy && r.NBest > 1) throw Bad("field 'n_best' must be 1 with greedy decoding (use strategy 'beam' or 'sample')");
            if (r.Strategy == DecodingStrategy.Greedy && r.Beam > 1) throw Bad("field 'beam' must be 1 with greedy decoding");
            if (r.Constraints.Count > 0 && r.Strategy != DecodingStrategy.Beam) throw Bad("field 'constraints' needs strategy 'beam'");
            return r;
        }
    }

    private static RequestException Bad(string message) => new(400, message);

    private static string OneLine(string s) { int i = s.IndexOfAny(['\r', '\n']); return i < 0 ? s : s[..i]; }

    private static IReadOnlyList<string> Texts(JsonElement v, ServerSettings limits)
    {
        if (v.ValueKind != JsonValueKind.Array) throw Bad("field 'texts' must be an array of strings");
        int n = v.GetArrayLength();
        if (n == 0) throw Bad("field 'texts' must not be empty");
        if (n > limits.MaxTexts) throw new RequestException(413, $"field 'texts' has {n} texts, more than the limit of {limits.MaxTexts} (max_texts)");
        var list = new List<string>(n);
        foreach (var t in v.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.String) throw Bad($"field 'texts[{list.Count}]' must be a string");
            var s = t.GetString()!;
            if (s.Length > limits.MaxChars)
                throw new RequestException(413, $"field 'texts[{list.Count}]' has {s.Length} characters, more than the limit of {limits.MaxChars} (max_chars)");
            list.Add(s);
        }
        return list;
    }

    private static IReadOnlyList<string> Phrases(JsonElement v, ServerSettings limits)
    {
        if (v.ValueKind != JsonValueKind.Array) throw Bad("field 'constraints' must be an array of strings");
        var list = new List<string>();
        foreach (var t in v.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(t.GetString()))
                throw Bad($"field 'constraints[{list.Count}]' must be a non-empty string");
            list.Add(Str(t, $"constraints[{list.Count}]", limits));
        }
        if (list.Count > 8) throw Bad("field 'constraints' may hold at most 8 phrases");
        return list;
    }

    private static DecodingStrategy StrategyOf(JsonElement v, out string? name)
    {
        name = v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return name switch
        {
            "greedy" => DecodingStrategy.Greedy,
            "beam" => DecodingStrategy.Beam,
            "sample" => DecodingStrategy.Sample,
            _ => throw Bad("field 'strategy' must be one of \"greedy\", \"beam\", \"sample\""),
        };
    }

    private static int Int(JsonElement v, string field, int min, int max)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long x)) throw Bad($"field '{field}' must be an integer");
        if (x < min || x > max) throw Bad(max == int.MaxValue ? $"field '{field}' must be at least {min}" : $"field '{field}' must be in [{min}, {max}]");
        return (int)x;
    }

    private static float Float(JsonElement v, string field, float min, float max, bool openLow = false)
    {
        if (v.ValueKind != JsonValueKind.Number) throw Bad($"field '{field}' must be a number");
        double x = v.GetDouble();
        bool ok = double.IsFinite(x) && (openLow ? x > min : x >= min) && x <= max;
        if (!ok) throw Bad(max == float.MaxValue ? $"field '{field}' must be greater than {min}" : $"field '{field}' must be in {(openLow ? "(" : "[")}{min}, {max}]");
        return (float)x;
    }

    private static ulong Seed(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetUInt64(out ulong x)) throw Bad("field 'seed' must be a non-negative integer");
        return x;
    }

    private static bool Bool(JsonElement v, string field) => v.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Bad($"field '{field}' must be true or false"),
    };

    private static string Str(JsonElement v, string field, ServerSettings limits)
    {
        if (v.ValueKind != JsonValueKind.String) throw Bad($"field '{field}' must be a string");
        var s = v.GetString()!;
        if (s.Length > limits.MaxChars) throw new RequestException(413, $"field '{field}' has {s.Length} characters, more than the limit of {limits.MaxChars} (max_chars)");
        return s;
    }
}
