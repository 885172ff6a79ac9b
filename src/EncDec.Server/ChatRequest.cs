using System.Text.Json;
using EncDec.Data;

namespace EncDec.Server;

/// <summary>
/// A parsed <c>POST /v1/chat</c> body: <c>messages</c> (the conversation so far, oldest first: <c>{"role"|"speaker", "text"|"content"}</c>),
/// optional <c>speaker</c> (who answers; default the model's bot), <c>stream</c> (server-sent events), <c>max_length</c>,
/// <c>temperature</c> (0 or absent = greedy), <c>top_k</c>, <c>top_p</c>, <c>seed</c>. Unknown fields and wrong types are a 400
/// naming the field.
/// </summary>
public sealed record ChatRequest(IReadOnlyList<DialogueTurn> Messages, string? Speaker, bool Stream, int? MaxLength, float? Temperature,
                                 int? TopK, float? TopP, ulong? Seed)
{
    private static readonly HashSet<string> Known = ["messages", "speaker", "stream", "max_length", "temperature", "top_k", "top_p", "seed"];

    public static ChatRequest Parse(byte[] body, ServerSettings limits)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body); }
        catch (JsonException e) { throw new RequestException(400, $"the body is not valid JSON: {e.Message.Split(". ")[0]}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new RequestException(400, "the body must be a JSON object with 'messages'");
            foreach (var p in root.EnumerateObject())
                if (!Known.Contains(p.Name)) throw new RequestException(400, $"unknown field '{p.Name}' (expected {string.Join(", ", Known)})");
            if (!root.TryGetProperty("messages", out var msgs) || msgs.ValueKind != JsonValueKind.Array)
                throw new RequestException(400, "field 'messages' must be an array of {\"role\", \"text\"} objects");
            var turns = new List<DialogueTurn>();
            int i = 0;
            foreach (var m in msgs.EnumerateArray())
            {
                if (m.ValueKind != JsonValueKind.Object) throw new RequestException(400, $"field 'messages[{i}]' must be an object with 'role' and 'text'");
                string role = Str(m, "role", "speaker", $"messages[{i}]");
                string text = Str(m, "text", "content", $"messages[{i}]");
                if (text.Length > limits.MaxChars) throw new RequestException(413, $"field 'messages[{i}]' has {text.Length} characters, more than {limits.MaxChars} (max_chars)");
                turns.Add(new DialogueTurn(role, text));
                i++;
            }
            if (turns.Count == 0) throw new RequestException(400, "field 'messages' must hold at least one message");
            if (turns.Count > 4 * limits.MaxTexts) throw new RequestException(413, $"field 'messages' has {turns.Count} messages, more than {4 * limits.MaxTexts} (4 × max_texts)");
            string? speaker = root.TryGetProperty("speaker", out var sp) ? sp.ValueKind == JsonValueKind.String ? sp.GetString() : throw new RequestException(400, "field 'speaker' must be a string") : null;
            bool stream = root.TryGetProperty("stream", out var st) && (st.ValueKind is JsonValueKind.True or JsonValueKind.False ? st.GetBoolean() : throw new RequestException(400, "field 'stream' must be true or false"));
            int? maxLength = Int(root, "max_length", 1, limits.MaxOutputLength);
            float? temperature = Float(root, "temperature", 0, 100, lowOpen: false);
            int? topK = Int(root, "top_k", 0, int.MaxValue);
            float? topP = Float(root, "top_p", 0, 1, lowOpen: true);
            ulong? seed = root.TryGetProperty("seed", out var sd) ? sd.ValueKind == JsonValueKind.Number && sd.TryGetUInt64(out ulong u) ? u : throw new RequestException(400, "field 'seed' must be an integer ≥ 0") : null;
            return new ChatRequest(turns, speaker, stream, maxLength, temperature, topK, topP, seed);
        }
    }

    private static string Str(JsonElement o, string name, string alias, string where)
    {
        if (!o.TryGetProperty(name, out var v) && !o.TryGetProperty(alias, out v)) throw new RequestException(400, $"field '{where}' has no '{name}' (or '{alias}')");
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new RequestException(400, $"field '{where}.{name}' must be a string");
    }

    private static int? Int(JsonElement root, string name, int min, int max)
    {
        if (!root.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int n) || n < min || n > max) throw new RequestException(400, $"field '{name}' must be an integer in [{min}, {max}]");
        return n;
    }

    private static float? Float(JsonElement root, string name, float min, float max, bool lowOpen)
    {
        if (!root.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number) throw new RequestException(400, $"field '{name}' must be a number");
        float f = v.GetSingle();
        if (!(lowOpen ? f > min : f >= min) || f > max) throw new RequestException(400, $"field '{name}' must be in {(lowOpen ? "(" : "[")}{min}, {max}]");
        return f;
    }
}
