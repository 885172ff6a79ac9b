using EncDec.Models;
using EncDec.Text;

namespace EncDec.IO;

/// <summary>A model that decodes text to text (an encoder-decoder or a decoder-only LM), rebuilt from a file with both tokenizers.</summary>
public sealed record LoadedSeq2Seq(Seq2SeqModule Model, ModelConfig Config, ITokenizer SourceTokenizer, ITokenizer TargetTokenizer, long Step, string Path);
