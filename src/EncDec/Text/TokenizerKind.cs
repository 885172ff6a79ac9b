namespace EncDec.Text;

/// <summary>The tokenization algorithm of a tokenizer file.</summary>
public enum TokenizerKind
{
    /// <summary>One token per Unicode text element (grapheme cluster).</summary>
    Char,
    /// <summary>One token per word, number or punctuation mark, with a space marker.</summary>
    Word,
    /// <summary>Byte-pair encoding with byte fallback and a space marker.</summary>
    Bpe,
    /// <summary>A SentencePiece model (BPE or unigram), read through Microsoft.ML.Tokenizers by EncDec.Interop.</summary>
    SentencePiece,
}
