using System.Buffers;
using System.Globalization;
using System.Text;

namespace EncDec.Text;

internal enum PieceKind : byte { Whitespace, Word, Number, Symbol }

/// <summary>A span of the input: a word, a number, one symbol, or one whitespace character.</summary>
internal readonly record struct Piece(int Start, int Length, PieceKind Kind, bool SpaceBefore);

/// <summary>
/// Splits text into words (letters and marks), numbers (digits), single symbols and whitespace.
/// A single space before a non-whitespace piece is folded into it as <c>SpaceBefore</c>
/// (written as the marker <c>▁</c> in token text); any other whitespace character becomes a piece of its own,
/// so concatenating the pieces back reproduces the text exactly.
/// </summary>
internal static class PreTokenizer
{
    public const char Marker = '\u2581';
    public const string MarkerString = "\u2581";

    public static void Split(ReadOnlySpan<char> text, List<Piece> pieces)
    {
        int n = text.Length, i = 0;
        while (i < n)
        {
            int ws = i;
            while (i < n && char.IsWhiteSpace(text[i])) i++;
            bool attach = i < n && i > ws && text[i - 1] == ' ';
            int standaloneEnd = attach ? i - 1 : i;
            for (int k = ws; k < standaloneEnd; k++) pieces.Add(new Piece(k, 1, PieceKind.Whitespace, false));
            if (i >= n) break;
            int start = i;
            var kind = Classify(text, i, out int len);
            i += len;
            if (kind != PieceKind.Symbol)
                while (i < n && Classify(text, i, out len) == kind) i += len;
            pieces.Add(new Piece(start, i - start, kind, attach));
        }
    }

    private static PieceKind Classify(ReadOnlySpan<char> text, int i, out int len)
    {
        char c = text[i];
        len = 1;
        if (c < 128)
        {
            if ((uint)((c | 0x20) - 'a') <= 'z' - 'a') return PieceKind.Word;
            if ((uint)(c - '0') <= 9) return PieceKind.Number;
            return char.IsWhiteSpace(c) ? PieceKind.Whitespace : PieceKind.Symbol;
        }
        if (char.IsWhiteSpace(c)) return PieceKind.Whitespace;
        if (Rune.DecodeFromUtf16(text[i..], out Rune r, out int consumed) != OperationStatus.Done)
            return PieceKind.Symbol; // lone surrogate: a symbol of its own
        len = consumed;
        switch (Rune.GetUnicodeCategory(r))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.SpacingCombiningMark:
            case UnicodeCategory.EnclosingMark:
                return PieceKind.Word;
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
                return PieceKind.Number;
            default:
                return PieceKind.Symbol;
        }
    }

    /// <summary>The token text of a piece: <c>▁</c> for a lone space, else the marker (if any) plus the text.</summary>
    public static string Key(ReadOnlySpan<char> text, Piece p)
    {
        var s = text.Slice(p.Start, p.Length);
        if (p.Kind == PieceKind.Whitespace && s[0] == ' ') return MarkerString;
        return p.SpaceBefore ? string.Concat(MarkerString, s) : s.ToString();
    }

    /// <summary>Converts token text back to surface text (marker → space).</summary>
    public static string Surface(string token) => token.Replace(Marker, ' ');
}
