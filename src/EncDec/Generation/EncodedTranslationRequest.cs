namespace EncDec.Generation;

/// <summary>
/// A <see cref="TranslationRequest"/> as <see cref="Translator.Encode"/> turns it into ids: the source token ids (cut to
/// <see cref="Translator.MaxSourceTokens"/>), and the options it decodes with (the request's or the translator's, with the
/// prefix and required phrases encoded by the target tokenizer). <see cref="Translator.Decode"/> decodes such requests; a
/// caller that batches on its own (the server) queues them in between.
/// </summary>
public sealed record EncodedTranslationRequest(string Source, int[] SourceIds, GenerationOptions Options)
{
    /// <summary>True when the source had more than <see cref="Translator.MaxSourceTokens"/> tokens and was cut to that many.</summary>
    public bool SourceTruncated { get; init; }
    /// <summary>The indices (in <see cref="TranslationRequest.RequiredPhrases"/>) of the phrases without target tokens, which were dropped.</summary>
    public IReadOnlyList<int> DroppedPhrases { get; init; } = Array.Empty<int>();
}
