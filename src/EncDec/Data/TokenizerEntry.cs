namespace EncDec.Data;

/// <summary>A tokenizer file of a preprocessed corpus and the SHA-256 of its bytes.</summary>
public sealed record TokenizerEntry(string File, string Sha256, string Kind, int VocabSize);
