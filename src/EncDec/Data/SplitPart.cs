namespace EncDec.Data;

/// <summary>Which part of a train/valid split.</summary>
public enum SplitPart
{
    /// <summary>Training data.</summary>
    Train,
    /// <summary>Validation data.</summary>
    Valid,
}
