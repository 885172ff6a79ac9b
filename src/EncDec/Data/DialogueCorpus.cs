using System.Text;
using System.Text.Json;

namespace EncDec.Data;

/// <summary>
/// Conversations in JSONL: one conversation per line, either a JSON array of turns or an object whose <c>turns</c> (or
/// <c>messages</c>) field is that array; a turn is an object with <c>speaker</c> (or <c>role</c>) and <c>text</c> (or
/// <c>content</c>). Blank lines are skipped. A malformed line, a turn without a speaker or text, or a speaker name with
/// whitespace is a <see cref="UserInputException"/> naming the file and line.
/// </summary>
public static class DialogueCorpus
{
    public static List<Conversation> Read(string path)
    {
        if (!File.Exists(path)) throw new UserInputException(path, null, Directory.Exists(path) ? "is a folder, not a JSONL file of conversations" : "no such file");
        var list = new List<Conversation>();
        using var reader = new Utf8LineReader(path, 1_000_000);
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            list.Add(new Conversation(ParseLine(line, path, reader.LineNumber), reader.LineNumber));
        }
        if (list.Count == 0) throw new UserInputException(path, null, "no conversation: the file has no non-blank lines");
        return list;
    }

    /// <summary>The turns of one JSONL line.</summary>
    public static List<DialogueTurn> ParseLine(string line, string path = "input", long lineNumber = 0)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { throw new UserInputException(path, lineNumber, $"not valid JSON ({FirstSentence(e.Message)})"); }
        using (doc)
        {
            var root = doc.RootElement;
            JsonElement turns;
            if (root.ValueKind == JsonValueKind.Array) turns = root;
            else if (root.ValueKind == JsonValueKind.Object && (root.TryGetProperty("turns", out turns) || root.TryGetProperty("messages", out turns)))
            {
                if (turns.ValueKind != JsonValueKind.Array) throw new UserInputException(path, lineNumber, "'turns' must be a JSON array of {\"speaker\", \"text\"} objects");
            }
            else throw new UserInputException(path, lineNumber, "expected a JSON array of turns, or an object with a 'turns' array");
            var result = new List<DialogueTurn>();
            int i = 0;
            foreach (var t in turns.EnumerateArray())
            {
                i++;
                if (t.ValueKind != JsonValueKind.Object) throw new UserInputException(path, lineNumber, $"turn {i} is not an object with 'speaker' and 'text'");
                string speaker = Field(t, "speaker", "role", i, path, lineNumber);
                string text = Field(t, "text", "content", i, path, lineNumber);
                CheckSpeaker(speaker, $"turn {i}", path, lineNumber);
                result.Add(new DialogueTurn(speaker, text));
            }
            if (result.Count == 0) throw new UserInputException(path, lineNumber, "the conversation has no turns");
            return result;
        }
    }

    /// <summary>A speaker name must be non-empty, without whitespace and without <c>|</c>, <c>&lt;</c> or <c>&gt;</c> (it becomes a token).</summary>
    public static void CheckSpeaker(string speaker, string what, string path, long line)
    {
        if (speaker.Length == 0 || speaker.Length > 64 || speaker.Any(c => char.IsWhiteSpace(c) || c is '|' or '<' or '>' || char.IsControl(c)))
            throw new UserInputException(path, line, $"{what}: speaker '{speaker}' must be 1–64 characters without whitespace, '|', '<' or '>'");
    }

    /// <summary>One conversation as a JSONL line (<c>{"turns": [{"speaker", "text"}, …]}</c>), readable by <see cref="ParseLine"/>.</summary>
    public static string ToJsonLine(IEnumerable<DialogueTurn> turns)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("turns");
            foreach (var t in turns)
            {
                w.WriteStartObject();
                w.WriteString("speaker", t.Speaker);
                w.WriteString("text", t.Text);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Writes conversations as JSONL, atomically (a temporary file renamed over <paramref name="path"/>).</summary>
    public static void Write(string path, IEnumerable<Conversation> conversations)
        => AtomicFile.WriteAllText(path, string.Concat(conversations.Select(c => ToJsonLine(c.Turns) + "\n")));

    private static string Field(JsonElement turn, string name, string alias, int i, string path, long line)
    {
        if (!turn.TryGetProperty(name, out var v) && !turn.TryGetProperty(alias, out v))
            throw new UserInputException(path, line, $"turn {i} has no '{name}' (or '{alias}')");
        if (v.ValueKind != JsonValueKind.String) throw new UserInputException(path, line, $"turn {i}: '{name}' must be a string");
        return v.GetString()!;
    }

    private static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..dot] : message.TrimEnd('.');
    }
}
