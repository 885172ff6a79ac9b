using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EncDec.Text;

/// <summary>Shared behaviour of the tokenizers: control-token recognition, decoding, saving.</summary>
public abstract class TokenizerBase : ITokenizer
{
    internal const string FormatName = "encdec-tokenizer";
    internal const int FormatVersion = 1;

    private readonly string[] _controls;
    /// <summary>Surface text of each id; null for tokens that decode to nothing.</summary>
    private protected readonly string?[] Surfaces;

    private protected TokenizerBase(Vocabulary vocab)
    {
        Vocab = vocab;
        _controls = vocab.ControlTokens.ToArray();
        Surfaces = new string?[vocab.Count];
        for (int id = 0; id < vocab.Count; id++)
            Surfaces[id] = id == Vocabulary.UnkId ? vocab[id]
                : vocab.IsSpecialOrControl(id) ? null
                : SurfaceOf(vocab[id]);
    }

    /// <inheritdoc/>
    public Vocabulary Vocab { get; }

    /// <inheritdoc/>
    public abstract TokenizerKind Kind { get; }

    /// <summary>Surface text of an ordinary token.</summary>
    private protected virtual string SurfaceOf(string token) => token;

    /// <summary>Encodes text that contains no control tokens.</summary>
    private protected abstract void EncodeCore(ReadOnlySpan<char> text, List<int> output);

    /// <inheritdoc/>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<int>(text.Length / 3 + 4);
        Encode(text, output);
        return output.ToArray();
    }

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> output)
    {
        if (_controls.Length == 0) { EncodeCore(text, output); return; }
        int pos = 0;
        while (pos < text.Length)
        {
            int best = -1, bestAt = int.MaxValue;
            for (int c = 0; c < _controls.Length; c++)
            {
                int at = text[pos..].IndexOf(_controls[c], StringComparison.Ordinal);
                if (at >= 0 && (at < bestAt || (at == bestAt && _controls[c].Length > _controls[best].Length)))
                { best = c; bestAt = at; }
            }
            if (best < 0 || _controls[best].Length == 0) { EncodeCore(text[pos..], output); return; }
            if (bestAt > 0) EncodeCore(text.Slice(pos, bestAt), output);
            output.Add(Vocabulary.SpecialCount + best);
            pos += bestAt + _controls[best].Length;
        }
    }

    /// <inheritdoc/>
    public virtual string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder(ids.Length * 4);
        foreach (int id in ids)
        {
            CheckId(id);
            if (Surfaces[id] is { } s) sb.Append(s);
        }
        return sb.ToString();
    }

    private protected void CheckId(int id)
    {
        if ((uint)id >= (uint)Surfaces.Length)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id outside the vocabulary (size {Surfaces.Length})");
    }

    /// <inheritdoc/>
    public void Save(string path) => AtomicFile.Write(path, WriteJson);

    /// <inheritdoc/>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        WriteJson(ms);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private void WriteJson(Stream stream)
    {
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            w.WriteStartObject();
            w.WriteString("format", FormatName);
            w.WriteNumber("version", FormatVersion);
            w.WriteString("kind", Kind.ToString().ToLowerInvariant());
            w.WriteNumber("controlTokenCount", Vocab.ControlCount);
            w.WriteStartArray("tokens");
            foreach (var t in Vocab.Tokens) w.WriteStringValue(t);
            w.WriteEndArray();
            WriteExtra(w);
            w.WriteEndObject();
        }
    }

    /// <summary>Writes algorithm-specific properties.</summary>
    private protected virtual void WriteExtra(Utf8JsonWriter writer) { }
}
