namespace EncDec.Data;

/// <summary>One example of <see cref="DateRenderingTask"/>: the human-written source, the target in the drawn rendering,
/// and the date itself (so every correct rendering can be the reference).</summary>
public readonly record struct RenderedDate(string Source, string Target, DateRendering Rendering, DateOnly Date);
