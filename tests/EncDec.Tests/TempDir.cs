namespace EncDec.Tests;

/// <summary>A temporary directory deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("encdec-test-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public string Write(string name, string text) { var p = File(name); System.IO.File.WriteAllText(p, text, new System.Text.UTF8Encoding(false)); return p; }
    public string WriteBytes(string name, byte[] bytes) { var p = File(name); System.IO.File.WriteAllBytes(p, bytes); return p; }
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}
