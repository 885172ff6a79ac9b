namespace EncDec.Data;

/// <summary>How a parallel corpus is stored.</summary>
public enum CorpusFormat
{
    /// <summary>Two line-aligned files: source and target.</summary>
    LineAligned,
    /// <summary>One file, <c>source\ttarget</c> per line.</summary>
    Tsv,
    /// <summary>One JSON object per line: <c>{"src": "…", "tgt": "…"}</c>.</summary>
    Jsonl,
}
