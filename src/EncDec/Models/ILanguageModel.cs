using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// A decoder-only causal language model: the "source" is a prefix (a prompt or control codes) that the target
/// continues, so it trains with teacher forcing and decodes like any <see cref="ISeq2SeqModel"/>. Its own contract is a
/// key/value cache: <see cref="Prefill"/> runs the prompts once, <see cref="Step"/> feeds one token per row and returns
/// the extended cache (passed in and out, never kept in the model).
/// </summary>
public interface ILanguageModel : ITeacherForcedModel
{
    /// <summary>
    /// Runs right-padded prompts (B, P) with their true lengths once → the cache of every layer's keys/values, each row's
    /// next position being its own prompt length. Empty prompts are allowed.
    /// </summary>
    LanguageModelCache Prefill(IndexTensor prompts, int[] lengths);

    /// <summary>Feeds one token per row after what <paramref name="cache"/> holds → next-token logits (B, V) and the extended cache.</summary>
    StepResult Step(int[] tokens, LanguageModelCache cache);

    /// <summary>The full-sequence forward: next-token logits (B, L, V) at every position of left-aligned rows (B, L).</summary>
    Tensor Logits(IndexTensor ids);
}
