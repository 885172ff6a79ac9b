namespace EncDec.Data;

/// <summary>
/// Token lengths of a list of examples without materialising them: <see cref="Batcher"/> plans batches from lengths
/// alone, so a disk-backed list (<see cref="TokenShardSet"/>) answers from its index instead of decoding every example.
/// </summary>
public interface IExampleLengths
{
    /// <summary>Source tokens of example <paramref name="index"/> (no BOS/EOS).</summary>
    int SrcLength(int index);

    /// <summary>Target tokens of example <paramref name="index"/> (no BOS/EOS).</summary>
    int TgtLength(int index);
}

/// <summary>Lengths of an in-memory list, read from its examples.</summary>
internal sealed class ListExampleLengths(IReadOnlyList<Example> examples) : IExampleLengths
{
    public int SrcLength(int index) => examples[index].Src.Length;
    public int TgtLength(int index) => examples[index].Tgt.Length;

    /// <summary>The list's own lengths when it has them (a shard set), else lengths read from its examples.</summary>
    public static IExampleLengths For(IReadOnlyList<Example> examples) => examples as IExampleLengths ?? new ListExampleLengths(examples);
}
