namespace EncDec.Models;

/// <summary>
/// The rows of a <see cref="LanguageModelCache"/> whose prompts have one length (<see cref="Rows"/>: their indices in the
/// whole batch) and their own unpadded cache. Used for attention cores that cannot mask cached positions.
/// </summary>
internal sealed record LanguageModelCachePart(int[] Rows, LanguageModelCache Cache);
