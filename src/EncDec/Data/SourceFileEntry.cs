namespace EncDec.Data;

/// <summary>An input text file: its path as given and its size when it was read.</summary>
public sealed record SourceFileEntry(string Path, long Bytes);
