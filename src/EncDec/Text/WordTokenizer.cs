namespace EncDec.Text;

/// <summary>
/// One token per word, number, punctuation mark or whitespace character. A single space before a token is
/// written as the marker <c>▁</c> at the token's start (SentencePiece style); other whitespace (repeated spaces,
/// tabs) are tokens of their own, so <c>Decode(Encode(s)) == s</c> whenever every piece of <c>s</c> is known.
/// Unknown pieces become UNK (after a lone-space token if a space preceded them).
/// </summary>
public sealed class WordTokenizer : TokenizerBase
{
    private readonly int _spaceId;

    /// <summary>Wraps an existing vocabulary (which should contain the space token <c>▁</c>).</summary>
    public WordTokenizer(Vocabulary vocab) : base(vocab)
    {
        _spaceId = vocab.TryGetId(PreTokenizer.MarkerString, out int id) ? id : Vocabulary.UnkId;
    }

    /// <inheritdoc/>
    public override TokenizerKind Kind => TokenizerKind.Word;

    /// <summary>Builds the vocabulary from the pieces of <paramref name="lines"/>; the space token is always included.</summary>
    public static WordTokenizer Train(IEnumerable<string> lines, int vocabSize, int minFrequency = 1, IEnumerable<string>? controlTokens = null)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var pieces = new List<Piece>();
        foreach (var line in lines)
        {
            pieces.Clear();
            PreTokenizer.Split(line, pieces);
            foreach (var p in pieces)
            {
                if (line.AsSpan(p.Start, p.Length).Contains(PreTokenizer.Marker)) continue; // a literal marker is ambiguous
                ref long c = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, PreTokenizer.Key(line, p), out _);
                c++;
            }
        }
        return new WordTokenizer(Vocabulary.FromCounts(counts, minFrequency, vocabSize, controlTokens, [PreTokenizer.MarkerString]));
    }

    private protected override string SurfaceOf(string token) => PreTokenizer.Surface(token);

    private protected override void EncodeCore(ReadOnlySpan<char> text, List<int> output)
    {
        var pieces = new List<Piece>();
        PreTokenizer.Split(text, pieces);
        Span<char> buf = stackalloc char[128];
        foreach (var p in pieces)
        {
            var s = text.Slice(p.Start, p.Length);
            if (p.Kind == PieceKind.Whitespace && s[0] == ' ') { output.Add(_spaceId); continue; }
            int id;
            bool known;
            if (s.Contains(PreTokenizer.Marker)) { known = false; id = 0; }
            else if (!p.SpaceBefore) known = Vocab.TryGetId(s, out id);
            else
            {
                var key = s.Length < buf.Length ? buf[..(s.Length + 1)] : new char[s.Length + 1];
                key[0] = PreTokenizer.Marker;
                s.CopyTo(key[1..]);
                known = Vocab.TryGetId(key, out id);
            }
            if (known) { output.Add(id); continue; }
            if (p.SpaceBefore) output.Add(_spaceId);
            output.Add(Vocabulary.UnkId);
        }
    }
}
