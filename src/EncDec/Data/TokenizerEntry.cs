using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using EncDec.Text;

namespace EncDec.Data;

/// <summary>A tokenizer file of a preprocessed corpus and the SHA-256 of its bytes.</summary>
public sealed record TokenizerEntry(string File, string Sha256, string Kind, int VocabSize);
