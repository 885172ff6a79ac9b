using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// The incremental state of a <see cref="DecoderOnlyLm"/>: per layer the self-attention keys/values of the right-padded
/// prompts (width <see cref="PromptWidth"/>) followed by the <see cref="Steps"/> tokens fed since. Row i's prompt fills
/// positions [0, PromptLengths[i]); the padding after it is masked, and its next token sits at position
/// PromptLengths[i] + Steps. Immutable: a step returns a new cache (appending in place when this is the newest, see
/// <see cref="AttentionCache"/>).
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

    public LanguageModelCache(IReadOnlyList<AttentionCache>? layers, IReadOnlyList<int> promptLengths, int promptWidth, int steps)
    {
        if (promptLengths.Any(n => n < 0 || n > promptWidth)) throw new ArgumentException($"prompt lengths must be in [0, {promptWidth}]");
        Layers = layers; PromptLengths = promptLengths; PromptWidth = promptWidth; Steps = steps;
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

    public IDecoderState Select(int[] rows)
    {
        var idx = new IndexTensor(rows, rows.Length);
        return new LanguageModelCache(Layers?.Select(c => c.Reorder(idx)).ToArray(), rows.Select(r => PromptLengths[r]).ToArray(), PromptWidth, Steps);
    }

    public IEnumerable<Tensor>? Tensors
    {
        get
        {
            foreach (var c in Layers ?? Array.Empty<AttentionCache>())
            {
                foreach (var t in c.Buffers) yield return t;
            }
        }
    }
}
