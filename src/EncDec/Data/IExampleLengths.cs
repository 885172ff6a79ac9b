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
