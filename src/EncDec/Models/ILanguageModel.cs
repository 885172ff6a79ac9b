namespace EncDec.Models;

/// <summary>
/// A decoder-only causal language model: the "source" is a prefix (a prompt or control codes) that the target
/// continues, so it decodes like any <see cref="ISeq2SeqModel"/> and trains with teacher forcing.
/// </summary>
public interface ILanguageModel : ITeacherForcedModel
{
}
