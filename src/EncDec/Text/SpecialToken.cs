namespace EncDec.Text;

/// <summary>The reserved tokens every vocabulary starts with, at fixed ids.</summary>
public enum SpecialToken
{
    /// <summary>Padding, id 0.</summary>
    Pad = 0,
    /// <summary>Beginning of sequence, id 1.</summary>
    Bos = 1,
    /// <summary>End of sequence, id 2.</summary>
    Eos = 2,
    /// <summary>Unknown token, id 3.</summary>
    Unk = 3,
    /// <summary>Mask token, id 4.</summary>
    Mask = 4,
}
