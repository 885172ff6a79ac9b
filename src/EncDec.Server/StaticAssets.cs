using System.Reflection;

namespace EncDec.Server;

/// <summary>The web pages and scripts embedded in this assembly (wwwroot/*), served as they are.</summary>
public static class StaticAssets
{
    private static readonly Assembly Self = typeof(StaticAssets).Assembly;

    /// <summary>The bytes and content type of wwwroot/<paramref name="name"/>, or null when there is none.</summary>
    public static (byte[] Bytes, string ContentType)? Get(string name)
    {
        if (name.Contains('/') || name.Contains('\\') || name.StartsWith('.')) return null;
        using var s = Self.GetManifestResourceStream("wwwroot/" + name);
        if (s is null) return null;
        var bytes = new byte[s.Length];
        s.ReadExactly(bytes);
        string type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return (bytes, type);
    }
}
