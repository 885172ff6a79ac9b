namespace EncDec.Data;

/// <summary>The two correct renderings of a date in <see cref="DateRenderingTask"/>: the controllable attribute.</summary>
public enum DateRendering
{
    /// <summary>1998-03-03</summary>
    Iso,
    /// <summary>03/03/1998 (US order, four-digit year)</summary>
    UsSlash,
}
