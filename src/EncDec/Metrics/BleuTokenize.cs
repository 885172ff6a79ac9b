namespace EncDec.Metrics;

/// <summary>Which tokenizer BLEU applies before counting word n-grams (sacreBLEU's <c>--tokenize</c>).</summary>
public enum BleuTokenize
{
    /// <summary>sacreBLEU's default <c>13a</c>: mteval-v13a.pl's tokenization (see <see cref="Tokenizer13a"/>).</summary>
    V13a,
    /// <summary>sacreBLEU's <c>none</c>: the text is used as is and split on whitespace.</summary>
    None,
    /// <summary>sacreBLEU's <c>char</c>: every character (code point) is a token; whitespace is dropped.</summary>
    Char,
}
