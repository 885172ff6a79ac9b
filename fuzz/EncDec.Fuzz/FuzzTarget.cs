namespace EncDec.Fuzz;

/// <summary>The readers of user-supplied files that have a fuzzing harness.</summary>
public enum FuzzTarget
{
    /// <summary>A safetensors model or checkpoint file (header, offsets, data).</summary>
    SafeTensors,
    /// <summary>Checkpoint and resume metadata (the <c>__metadata__</c> strings of a checkpoint).</summary>
    Metadata,
    /// <summary>A tokenizer JSON file, then encoding and decoding text with it.</summary>
    Tokenizer,
    /// <summary>A YAML training config.</summary>
    Yaml,
    /// <summary>A corpus: line-aligned text, TSV and JSONL.</summary>
    Corpus,
}
