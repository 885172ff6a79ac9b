using EncDec.Models;
using EncDec.Text;

namespace EncDec.IO;

/// <summary>A decoder-only language model rebuilt from a file, with its tokenizer (prefixes and texts share it).</summary>
public sealed record LoadedLanguageModel(DecoderOnlyLm Model, ModelConfig Config, ITokenizer Tokenizer, long Step, string Path);
