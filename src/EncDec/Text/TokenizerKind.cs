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

/// <summary>The reserved tokens every vocabulary starts with, at fixed ids.</summary>
public enum SpecialToken
{
    /// <summary>Padding, id 0.</summary>
    Pad = 0,
    /// <summary>Beginning of sequence, id 1.</summary>
    Bos = 1,
    /// <summary>End of sequence, id 2.</summary>
    Eos = 2,
    /// <summary>Unknown token, id 3.</summary>
    Unk = 3,
    /// <summary>Mask token, id 4.</summary>
    Mask = 4,
}
