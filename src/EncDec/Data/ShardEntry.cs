namespace EncDec.Data;

/// <summary>One shard file of a split (a bare file name inside the corpus folder).</summary>
public sealed record ShardEntry(string File, int Examples, long Tokens);
