using System.Text.Json;

namespace EncDec.Text;

/// <summary>
/// Tokenizer kinds implemented outside the core library (SentencePiece, in EncDec.Interop), so that <c>Tokenizer.Load</c>
/// reads their files and checkpoints restore them: a path prefix (<c>spm:FILE</c>) opens a foreign file, and a JSON
/// <c>kind</c> restores a saved one. Registered once at start-up by the assembly that implements them.
/// </summary>
public static class TokenizerRegistry
{
    private static readonly Dictionary<string, Func<string, ITokenizer>> Prefixes = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Dictionary<string, Func<JsonElement, string, ITokenizer>> Kinds = new(StringComparer.OrdinalIgnoreCase);
    private static readonly object Lock = new();

    /// <summary>Registers <c>prefix:PATH</c> files and saved JSON of kind <paramref name="kind"/>.</summary>
    public static void Register(string prefix, Func<string, ITokenizer> openFile, string kind, Func<JsonElement, string, ITokenizer> fromJson)
    {
        lock (Lock) { Prefixes[prefix] = openFile; Kinds[kind] = fromJson; }
    }

    internal static bool TryOpen(string path, out ITokenizer? tokenizer)
    {
        tokenizer = null;
        int colon = path.IndexOf(':');
        if (colon < 2) return false;   // "C:\…" and plain paths
        Func<string, ITokenizer>? open;
        lock (Lock) if (!Prefixes.TryGetValue(path[..colon], out open)) return false;
        tokenizer = open(path[(colon + 1)..]);
        return true;
    }

    internal static bool TryFromJson(string? kind, JsonElement root, string source, out ITokenizer? tokenizer)
    {
        tokenizer = null;
        Func<JsonElement, string, ITokenizer>? f;
        lock (Lock) if (kind is null || !Kinds.TryGetValue(kind, out f)) return false;
        tokenizer = f(root, source);
        return true;
    }
}
