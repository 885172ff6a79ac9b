using EncDec.Models;
using EncDec.Text;

namespace EncDec.IO;

/// <summary>An encoder-only masked language model rebuilt from a file, with its tokenizer.</summary>
public sealed record LoadedMaskedLm(EncoderOnlyModel Model, ModelConfig Config, ITokenizer Tokenizer, long Step, string Path);
