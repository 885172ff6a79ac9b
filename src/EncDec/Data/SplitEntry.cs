using System.Text.Json.Serialization;

namespace EncDec.Data;

/// <summary>What preprocessing one split read, kept and dropped, and the shards it wrote.</summary>
public sealed record SplitEntry(IReadOnlyList<SourceFileEntry> Sources, long PairsRead, long BlankPairsSkipped, long Kept,
                                long DroppedTooShort, long DroppedTooLong, long DroppedBadRatio, long SrcTokens, long TgtTokens,
                                IReadOnlyList<ShardEntry> Shards)
{
    /// <summary>Pairs dropped by the length filter, for any reason.</summary>
    [JsonIgnore] public long Dropped => DroppedTooShort + DroppedTooLong + DroppedBadRatio;
}
