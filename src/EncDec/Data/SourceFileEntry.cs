using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using EncDec.Text;

namespace EncDec.Data;

/// <summary>An input text file: its path as given and its size when it was read.</summary>
public sealed record SourceFileEntry(string Path, long Bytes);
