using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// The incremental state of a <see cref="DecoderOnlyLm"/>: per layer the self-attention keys/values of the right-padded
/// prompts (width <see cref="PromptWidth"/>) followed by the <see cref="Steps"/> tokens fed since. Row i's prompt fills
/// positions [0, PromptLengths[i]); the padding after it is masked, and its next token sits at position
/// PromptLengths[i] + Steps. Immutable: a step returns a new cache (appending in place when this is the newest, see
/// <see cref="AttentionCache"/>).
/// <para>
/// Attention cores that cannot mask cached positions (sliding window, chunked, linear) keep prompts of different lengths
/// apart instead: the cache is then made of <see cref="Parts"/>, one per prompt length, each an unpadded cache of its rows
/// (prefilled and stepped on its own), and <see cref="Layers"/> is null.
/// </para>
/// </summary>
public sealed class LanguageModelCache : IDecoderState
{
    /// <summary>One cache per layer, each (B, H, PromptWidth + Steps, Dh); null when nothing was fed yet (empty prompts).</summary>
    public IReadOnlyList<AttentionCache>? Layers { get; }
    /// <summary>Each row's true prompt length.</summary>
    public IReadOnlyList<int> PromptLengths { get; }
    /// <summary>The padded prompt width P.</summary>
    public int PromptWidth { get; }
    /// <summary>Tokens fed after the prompts.</summary>
    public int Steps { get; }

    /// <summary>Rows grouped by prompt length, each with its own cache (see the class summary); null for one padded cache.</summary>
    internal IReadOnlyList<LanguageModelCachePart>? Parts { get; }

    public LanguageModelCache(IReadOnlyList<AttentionCache>? layers, IReadOnlyList<int> promptLengths, int promptWidth, int steps)
    {
        if (promptLengths.Any(n => n < 0 || n > promptWidth)) throw new ArgumentException($"prompt lengths must be in [0, {promptWidth}]");
        Layers = layers; PromptLengths = promptLengths; PromptWidth = promptWidth; Steps = steps;
    }

    /// <summary>A cache made of per-length parts that together cover rows 0 … B−1 exactly once.</summary>
    internal LanguageModelCache(IReadOnlyList<LanguageModelCachePart> parts, IReadOnlyList<int> promptLengths, int promptWidth, int steps)
        : this((IReadOnlyList<AttentionCache>?)null, promptLengths, promptWidth, steps)
    {
        if (parts.Sum(p => p.Rows.Length) != promptLengths.Count) throw new ArgumentException("the parts must cover every row once");
        Parts = parts;
    }

    public int BatchSize => PromptLengths.Count;

    /// <summary>Whether some prompt is shorter than the padded width (its padding must then be masked).</summary>
    public bool Ragged => PromptLengths.Any(n => n != PromptWidth);

    /// <summary>The position of each row's next token.</summary>
    public int[] NextPositions() => PromptLengths.Select(n => n + Steps).ToArray();

    /// <summary>
    /// Key padding mask (B, P + Steps + 1) for the next step, 1 at each row's prompt padding; null when no prompt is padded.
    /// </summary>
    public Tensor? NextKeyPaddingMask()
    {
        if (!Ragged) return null;
        int b = BatchSize, width = PromptWidth + Steps + 1;
        var mask = Tensor.Zeros(b, width);                              // (B, P + Steps + 1)
        var s = mask.Span;
        for (int i = 0; i < b; i++)
            for (int j = PromptLengths[i]; j < PromptWidth; j++) s[i * width + j] = 1f;
        return mask;
    }

    /// <summary>The cache after one more token per row.</summary>
    public LanguageModelCache Advance(IReadOnlyList<AttentionCache> layers) => new(layers, PromptLengths, PromptWidth, Steps + 1);

    /// <summary>The per-length cache after one more token per row (each part advanced on its own).</summary>
    internal LanguageModelCache Advance(IReadOnlyList<LanguageModelCachePart> parts) => new(parts, PromptLengths, PromptWidth, Steps + 1);

    public IDecoderState Select(int[] rows)
    {
        if (Parts is { } parts) return SelectParts(parts, rows);
        var idx = new IndexTensor(rows, rows.Length);
        return new LanguageModelCache(Layers?.Select(c => c.Reorder(idx)).ToArray(), rows.Select(r => PromptLengths[r]).ToArray(), PromptWidth, Steps);
    }

    /// <summary>Row j of the result is row rows[j] of this cache: each part keeps the new rows taken from it.</summary>
    private LanguageModelCache SelectParts(IReadOnlyList<LanguageModelCachePart> parts, int[] rows)
    {
        var owner = new (int Part, int Local)[BatchSize];
        for (int p = 0; p < parts.Count; p++)
            for (int k = 0; k < parts[p].Rows.Length; k++) owner[parts[p].Rows[k]] = (p, k);
        var newRows = parts.Select(_ => new List<int>()).ToArray();
        var locals = parts.Select(_ => new List<int>()).ToArray();
        for (int j = 0; j < rows.Length; j++)
        {
            var (p, k) = owner[rows[j]];
            newRows[p].Add(j); locals[p].Add(k);
        }
        var selected = new List<LanguageModelCachePart>();
        for (int p = 0; p < parts.Count; p++)
            if (newRows[p].Count > 0)
                selected.Add(new LanguageModelCachePart(newRows[p].ToArray(), (LanguageModelCache)parts[p].Cache.Select(locals[p].ToArray())));
        return new LanguageModelCache(selected, rows.Select(r => PromptLengths[r]).ToArray(), PromptWidth, Steps);
    }

    public IEnumerable<Tensor>? Tensors
    {
        get
        {
            foreach (var part in Parts ?? Array.Empty<LanguageModelCachePart>())
                foreach (var t in part.Cache.Tensors ?? Array.Empty<Tensor>()) yield return t;
            foreach (var c in Layers ?? Array.Empty<AttentionCache>())
            {
                foreach (var t in c.Buffers) yield return t;
            }
        }
    }
}
