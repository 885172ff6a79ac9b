namespace EncDec.Data;

/// <summary>A tokenized training example: source and target ids, without BOS/EOS.</summary>
public sealed record Example(int[] Src, int[] Tgt);
