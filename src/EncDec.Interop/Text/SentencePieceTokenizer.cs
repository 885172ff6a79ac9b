using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EncDec.Text;
using MlSentencePiece = Microsoft.ML.Tokenizers.SentencePieceTokenizer;

namespace EncDec.Interop.Text;

/// <summary>
/// A SentencePiece <c>.model</c> file (BPE or unigram, as Marian/OPUS-MT, NLLB and T5 ship them) as an EncDec
/// <see cref="ITokenizer"/>, encoded and decoded by Microsoft.ML.Tokenizers.
/// <para>
/// Ids: EncDec vocabularies start with five special tokens (<c>&lt;pad&gt; &lt;s&gt; &lt;/s&gt; &lt;unk&gt; &lt;mask&gt;</c>, ids 0–4).
/// SentencePiece's own unknown, BOS, EOS and pad pieces map onto those; every other piece keeps its SentencePiece order
/// after them: EncDec id = 5 + (the piece's SentencePiece id − the number of special pieces before it).
/// <see cref="ToSentencePieceId"/> and <see cref="FromSentencePieceId"/> convert. Saved (and embedded in checkpoints) as
/// EncDec tokenizer JSON of kind <c>sentencepiece</c> holding the model bytes.
/// </para>
/// </summary>
public sealed class SentencePieceTokenizer : ITokenizer
{
    public const string KindName = "sentencepiece";
    public const string Prefix = "spm";

    private readonly MlSentencePiece _spm;
    private readonly SentencePieceCharsMap? _charsMap;
    private readonly byte[] _model;
    private readonly int[] _toEncDec;     // SentencePiece id → EncDec id
    private readonly int[] _toSpm;        // EncDec id → SentencePiece id (−1: an EncDec-only special)

    public Vocabulary Vocab { get; }
    public TokenizerKind Kind => TokenizerKind.SentencePiece;

    private SentencePieceTokenizer(byte[] model, string source)
    {
        _model = model;
        try { _spm = MlSentencePiece.Create(new MemoryStream(model), false, false); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new UserInputException(source, null, $"not a SentencePiece model: {e.Message.Split('\n')[0]}");
        }
        try { _charsMap = SentencePieceCharsMap.FromModel(model); }
        catch (Exception e) when (e is FormatException or Google.Protobuf.InvalidProtocolBufferException)
        {
            throw new UserInputException(source, null, $"SentencePiece model with a broken normalisation map: {e.Message.Split('\n')[0]}");
        }
        var pieces = _spm.Vocabulary.OrderBy(p => p.Value).ToArray();
        int n = pieces.Length == 0 ? 0 : pieces[^1].Value + 1;
        _toEncDec = new int[n];
        var ordinary = new List<string>(n);
        var toSpm = new List<int> { -1, -1, -1, -1, -1 };
        var special = new Dictionary<int, int>
        {
            [_spm.UnknownId] = Vocabulary.UnkId,
            [_spm.BeginningOfSentenceId] = Vocabulary.BosId,
            [_spm.EndOfSentenceId] = Vocabulary.EosId,
        };
        foreach (var (piece, id) in pieces)
        {
            if (special.TryGetValue(id, out int sid) || (piece == "<pad>" && (sid = Vocabulary.PadId) == 0))
            {
                _toEncDec[id] = sid; toSpm[sid] = id;
                continue;
            }
            _toEncDec[id] = Vocabulary.SpecialCount + ordinary.Count;
            ordinary.Add(piece);
            toSpm.Add(id);
        }
        _toSpm = toSpm.ToArray();
        Vocab = Vocabulary.FromTokens(ordinary, null);
    }

    /// <summary>Reads a SentencePiece <c>.model</c> file.</summary>
    public static SentencePieceTokenizer Open(string path)
    {
        if (!File.Exists(path)) throw new UserInputException(path, null, "SentencePiece model file not found");
        return new SentencePieceTokenizer(File.ReadAllBytes(path), path);
    }

    /// <summary>Restores a tokenizer saved by <see cref="Save"/> (its parsed JSON).</summary>
    public static SentencePieceTokenizer FromJson(JsonElement root, string source)
        => new(Convert.FromBase64String(root.GetProperty("model").GetString() ?? throw new FormatException("no model")), source);

    /// <summary>Lets <c>Tokenizer.Load("spm:FILE")</c> and checkpoints with SentencePiece tokenizers work.</summary>
    public static void Register() => TokenizerRegistry.Register(Prefix, Open, KindName, FromJson);

    public int FromSentencePieceId(int id) => _toEncDec[id];
    public int ToSentencePieceId(int id) => _toSpm[id];

    public int[] Encode(string text)
    {
        // SentencePiece's character map first (Microsoft.ML.Tokenizers' BPE model skips it), then its whitespace rules and pieces
        if (_charsMap is not null) text = _charsMap.Normalize(text);
        var ids = _spm.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false);
        var r = new List<int>(ids.Count);
        for (int i = 0; i < ids.Count; i++)
        {
            // SentencePiece covers a run of unknown characters with one unknown piece; Microsoft.ML.Tokenizers gives one per character
            if (ids[i] == _spm.UnknownId && i > 0 && ids[i - 1] == _spm.UnknownId) continue;
            r.Add(_toEncDec[ids[i]]);
        }
        return r.ToArray();
    }

    /// <summary>SentencePiece's detokenisation of the ids, skipping pad, BOS, EOS and mask; an unknown piece decodes as SentencePiece writes it (" ⁇ ").</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var spmIds = new List<int>(ids.Length);
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_toSpm.Length) throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id outside the vocabulary (size {_toSpm.Length})");
            if (id == Vocabulary.UnkId || !Vocab.IsSpecialOrControl(id)) spmIds.Add(_toSpm[id]);
        }
        return DecodeSpm(spmIds);
    }

    /// <summary>
    /// Decodes SentencePiece ids as <c>sentencepiece</c>'s <c>decode</c> does. Microsoft.ML.Tokenizers decodes them; a sequence
    /// with the unknown piece is joined here the way SentencePiece does it: piece texts concatenated with the unknown piece as
    /// " ⁇ ", '▁' as a space, and the first piece's leading space (the dummy prefix) dropped.
    /// </summary>
    private string DecodeSpm(List<int> ids)
    {
        int unk = _spm.UnknownId;
        if (!ids.Contains(unk)) return _spm.Decode(ids) ?? "";
        var piece = _pieces ??= _spm.Vocabulary.ToDictionary(p => p.Value, p => p.Key);
        var sb = new StringBuilder();
        for (int i = 0; i < ids.Count; i++)
        {
            string text = ids[i] == unk ? " \u2047 " : piece[ids[i]].Replace('\u2581', ' ');
            if (i == 0 && ids[i] != unk && text.StartsWith(' ')) text = text[1..];
            sb.Append(text);
        }
        return sb.ToString();
    }

    private Dictionary<int, string>? _pieces;

    public string ToJson()
    {
        using var ms = new MemoryStream();
        WriteJson(ms);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public void Save(string path) => AtomicFile.Write(path, WriteJson);

    private void WriteJson(Stream stream)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("format", "encdec-tokenizer");
        w.WriteNumber("version", 1);
        w.WriteString("kind", KindName);
        w.WriteNumber("controlTokenCount", 0);
        w.WriteStartArray("tokens");
        foreach (var t in Vocab.Tokens) w.WriteStringValue(t);
        w.WriteEndArray();
        w.WriteString("model", Convert.ToBase64String(_model));
        w.WriteEndObject();
    }
}
