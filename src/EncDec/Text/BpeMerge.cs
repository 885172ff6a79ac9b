namespace EncDec.Text;

/// <summary>One learned merge: <see cref="Left"/> followed by <see cref="Right"/> becomes <see cref="Result"/> (ids).</summary>
public readonly record struct BpeMerge(int Left, int Right, int Result);
