namespace EncDec.Data;

/// <summary>Lengths of an in-memory list, read from its examples.</summary>
internal sealed class ListExampleLengths(IReadOnlyList<Example> examples) : IExampleLengths
{
    public int SrcLength(int index) => examples[index].Src.Length;
    public int TgtLength(int index) => examples[index].Tgt.Length;

    /// <summary>The list's own lengths when it has them (a shard set), else lengths read from its examples.</summary>
    public static IExampleLengths For(IReadOnlyList<Example> examples) => examples as IExampleLengths ?? new ListExampleLengths(examples);
}
