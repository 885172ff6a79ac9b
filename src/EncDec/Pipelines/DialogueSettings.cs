using System.Text.Json;

namespace EncDec.Pipelines;

/// <summary>
/// What a dialogue run folder records beside its model (<c>dialogue.json</c>): the source budget the model was trained with
/// and the speakers a chat plays by default (the one who types and the one the model answers as).
/// </summary>
public sealed record DialogueSettings(int ContextTokens, string User, string Bot)
{
    public const string FileName = "dialogue.json";

    public void Save(string runDir) => AtomicFile.WriteAllText(Path.Combine(runDir, FileName),
        JsonSerializer.Serialize(new Dictionary<string, object> { ["context_tokens"] = ContextTokens, ["user"] = User, ["bot"] = Bot }) + "\n");

    /// <summary>The settings in <paramref name="path"/>, or null when there is no such file (a malformed one is a <see cref="UserInputException"/>).</summary>
    public static DialogueSettings? TryLoad(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var r = doc.RootElement;
            int ctx = r.GetProperty("context_tokens").GetInt32();
            if (ctx < 2) throw new UserInputException(path, null, $"context_tokens must be at least 2, got {ctx}");
            return new DialogueSettings(ctx, r.GetProperty("user").GetString()!, r.GetProperty("bot").GetString()!);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new UserInputException(path, null, "not a dialogue settings file (expected {\"context_tokens\": N, \"user\": …, \"bot\": …})");
        }
    }
}
