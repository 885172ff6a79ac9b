using System.Globalization;

namespace EncDec.Text;

/// <summary>One token per Unicode text element (grapheme cluster), so surrogate pairs and emoji stay whole.
/// Characters not in the vocabulary become UNK.</summary>
public sealed class CharTokenizer : TokenizerBase
{
    /// <summary>Wraps an existing vocabulary.</summary>
    public CharTokenizer(Vocabulary vocab) : base(vocab) { }

    /// <inheritdoc/>
    public override TokenizerKind Kind => TokenizerKind.Char;

    /// <summary>Builds the vocabulary from the text elements of <paramref name="lines"/>.</summary>
    public static CharTokenizer Train(IEnumerable<string> lines, int vocabSize, int minFrequency = 1, IEnumerable<string>? controlTokens = null)
        => new(Vocabulary.Build(lines.SelectMany(Elements), minFrequency, vocabSize, controlTokens));

    private static IEnumerable<string> Elements(string line)
    {
        for (int i = 0; i < line.Length;)
        {
            int len = StringInfo.GetNextTextElementLength(line, i);
            yield return line.Substring(i, len);
            i += len;
        }
    }

    private protected override void EncodeCore(ReadOnlySpan<char> text, List<int> output)
    {
        for (int i = 0; i < text.Length;)
        {
            int len = StringInfo.GetNextTextElementLength(text[i..]);
            output.Add(Vocab.TryGetId(text.Slice(i, len), out int id) ? id : Vocabulary.UnkId);
            i += len;
        }
    }
}
