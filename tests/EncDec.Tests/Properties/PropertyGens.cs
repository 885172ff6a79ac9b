using System.Globalization;
using CsCheck;

namespace EncDec.Tests.Properties;

/// <summary>Generators of Unicode text for the property tests: Latin, accented, Cyrillic, Greek, Arabic, Devanagari
/// (combining marks), CJK, emoji (surrogate pairs, skin-tone modifiers), digits, punctuation and whitespace.</summary>
internal static class PropertyGens
{
    /// <summary>Every property test samples one seeded array of cases (iter 1), so a run is repeatable.</summary>
    public const string Seed = "0N0XIzNsQ0O2";

    private static readonly Gen<string> Letter = Gen.OneOf(
        Gen.Char['a', 'z'].Select(c => c.ToString()),
        Gen.Char['A', 'Z'].Select(c => c.ToString()),
        Gen.Char['0', '9'].Select(c => c.ToString()),
        Gen.Char["àáâäçèéêëìíîïñòóôöùúûüßæøåÄÖÜ"].Select(c => c.ToString()),
        Gen.Char['\u0430', '\u044F'].Select(c => c.ToString()),     // Cyrillic
        Gen.Char['\u03B1', '\u03C9'].Select(c => c.ToString()),     // Greek
        Gen.Char['\u0627', '\u064A'].Select(c => c.ToString()),     // Arabic
        Gen.Char['\u0915', '\u0939'].Select(c => c.ToString()),     // Devanagari consonants
        Gen.Char['\u093E', '\u094C'].Select(c => c.ToString()),     // Devanagari vowel signs (combining)
        Gen.Char['\u4E00', '\u4FFF'].Select(c => c.ToString()),     // CJK
        Gen.Char['\u3041', '\u3096'].Select(c => c.ToString()),     // Hiragana
        Gen.Int[0x1F600, 0x1F64F].Select(char.ConvertFromUtf32),     // emoji (surrogate pairs)
        Gen.Const("👍🏽"), Gen.Const("e\u0301"));

    private static readonly Gen<string> Separator = Gen.OneOf(
        Gen.Const(" "), Gen.Const(" "), Gen.Const(" "), Gen.Const("  "), Gen.Const("\t"), Gen.Const("\u00A0"),
        Gen.Char[".,;:!?¿¡-—\"'()«»/@#%&*+=<>[]{}"].Select(c => c.ToString()));

    /// <summary>A word of 1–8 letters.</summary>
    public static readonly Gen<string> Word = Letter.Array[1, 8].Select(a => string.Concat(a));

    /// <summary>Text of 0–12 words and separators (well-formed UTF-16), optionally with the <c>▁</c> marker character.</summary>
    public static Gen<string> Text(bool withMarker) => Gen.OneOf(
            Word, Word, Separator, withMarker ? Gen.Const("\u2581") : Word)
        .Array[0, 12].Select(a => string.Concat(a));

    /// <summary>A sentence of <paramref name="min"/>–<paramref name="max"/> words from a small lexicon (so n-grams overlap).</summary>
    public static Gen<string> Sentence(int min, int max) => Gen.OneOf(
            Gen.Const("the"), Gen.Const("cat"), Gen.Const("sat"), Gen.Const("on"), Gen.Const("mat"), Gen.Const("Hund"),
            Gen.Const("läuft"), Gen.Const("собака"), Gen.Const("犬"), Gen.Const("."), Gen.Const(","), Word)
        .Array[min, max].Select(a => string.Join(' ', a));

    /// <summary>The text elements (grapheme clusters) of <paramref name="s"/>.</summary>
    public static IEnumerable<string> Elements(string s)
    {
        for (int i = 0; i < s.Length;)
        {
            int len = StringInfo.GetNextTextElementLength(s, i);
            yield return s.Substring(i, len);
            i += len;
        }
    }
}
