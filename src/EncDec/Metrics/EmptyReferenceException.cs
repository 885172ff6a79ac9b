namespace EncDec.Metrics;

/// <summary>A segment whose references are all empty, which sacreBLEU's BLEU and chrF reject.</summary>
public sealed class EmptyReferenceException : ArgumentException
{
    /// <summary>0-based segment index.</summary>
    public int SegmentIndex { get; }

    public EmptyReferenceException(int segmentIndex)
        : base($"segment {segmentIndex + 1} has only empty references (sacreBLEU rejects empty reference sentences)")
        => SegmentIndex = segmentIndex;
}
