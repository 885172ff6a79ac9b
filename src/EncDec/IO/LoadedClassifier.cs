using EncDec.Models;
using EncDec.Text;

namespace EncDec.IO;

/// <summary>A sequence classifier rebuilt from a file, with its tokenizer.</summary>
public sealed record LoadedClassifier(SequenceClassifier Classifier, ITokenizer Tokenizer, long Step, string Path);
