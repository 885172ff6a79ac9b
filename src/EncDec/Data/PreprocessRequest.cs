using EncDec.Text;

namespace EncDec.Data;

/// <summary>What <see cref="CorpusPreprocessor.Write"/> reads and writes.</summary>
public sealed record PreprocessRequest
{
    /// <summary>Output folder.</summary>
    public required string OutDir { get; init; }
    /// <summary>The training corpus (streamed once).</summary>
    public required ParallelCorpus Train { get; init; }
    /// <summary>An optional validation corpus.</summary>
    public ParallelCorpus? Valid { get; init; }
    /// <summary>Source tokenizer.</summary>
    public required ITokenizer Source { get; init; }
    /// <summary>Target tokenizer (the same object for a joint vocabulary).</summary>
    public required ITokenizer Target { get; init; }
    /// <summary>Length filter applied to both splits.</summary>
    public LengthFilter Filter { get; init; } = new();
    /// <summary>Examples per shard file.</summary>
    public int ShardSize { get; init; } = 1_000_000;
    /// <summary>Pairs tokenized together (in parallel); bounds the memory of the pipeline.</summary>
    public int BlockSize { get; init; } = 4096;
    /// <summary>Called after each block with the split name and the pairs read so far.</summary>
    public Action<string, long>? Progress { get; init; }
}
