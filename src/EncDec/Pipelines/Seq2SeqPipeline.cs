using EncDec.Data;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Pipelines;

/// <summary>
/// Text in, text out, for one pair of tokenizers: sentence pairs → training examples, a trainer whose validation decodes
/// and scores text (<see cref="GreedyValidation"/>), and a <see cref="Translator"/> for decoding and serving. Special
/// tokens come from the tokenizers' vocabulary.
/// </summary>
public sealed class Seq2SeqPipeline(ITokenizer source, ITokenizer target)
{
    public ITokenizer Source { get; } = source;
    public ITokenizer Target { get; } = target;

    /// <summary>What validation scores on decoded text (BLEU, chrF and exact match unless set).</summary>
    public IReadOnlyList<ValidationMetric> Metrics { get; init; } = GreedyValidation.AllTextMetrics;

    /// <summary>
    /// The validation examples of <paramref name="pairs"/> and, aligned with them, the raw target lines they are scored
    /// against (as <c>encdec eval</c> scores a whole file). Pairs with a side longer than <paramref name="maxTokens"/> (or,
    /// for a language model, an empty target) are left out.
    /// </summary>
    public (List<Example> Examples, List<string> References) ValidationSet(IEnumerable<SentencePair> pairs, int maxTokens = int.MaxValue,
                                                                         bool languageModel = false)
    {
        var examples = new List<Example>();
        var refs = new List<string>();
        foreach (var p in pairs)
        {
            var ex = new Example(Source.Encode(p.Source), Target.Encode(p.Target));
            if (ex.Src.Length > maxTokens || ex.Tgt.Length > maxTokens || (languageModel && ex.Tgt.Length == 0)) continue;
            examples.Add(ex); refs.Add(p.Target);
        }
        return (examples, refs);
    }

    /// <summary>
    /// Greedy validation decoding of <paramref name="model"/> scored with <see cref="Metrics"/> on detokenised text; with
    /// <paramref name="hypothesisFile"/> the outputs of each validation are written there.
    /// </summary>
    public GreedyValidation Validation(ISeq2SeqModel model, int maxLength, string? hypothesisFile = null)
        => new(model, Target, maxLength, hypothesisFile, Metrics);

    /// <summary>Tokenized examples of the pairs (source ids, target ids; BOS/EOS are added by the batches).</summary>
    public List<Example> Tokenize(IEnumerable<SentencePair> pairs) => Examples.Tokenize(pairs, Source, Target);

    /// <summary>
    /// A trainer of <paramref name="model"/> on <paramref name="train"/>; with <paramref name="valid"/> pairs it validates
    /// loss, perplexity and <see cref="Metrics"/> against the raw target lines (each validation's outputs written to
    /// <paramref name="hypothesisFile"/> when given).
    /// </summary>
    public Trainer Trainer(Seq2SeqModule model, TrainerOptions options, IEnumerable<SentencePair> train, IReadOnlyList<SentencePair>? valid = null,
                           BatcherOptions? batching = null, string? hypothesisFile = null)
    {
        var validExamples = valid is null ? null : Tokenize(valid);
        return new Trainer(model, options, Tokenize(train), validExamples, batching ?? new BatcherOptions())
        {
            Validation = valid is null ? null : Validation(model, options.ValidMaxLength, hypothesisFile),
            ValidationReferences = valid?.Select(p => p.Target).ToList(),
        };
    }

    /// <summary>A translator of <paramref name="model"/> with these tokenizers.</summary>
    public Translator Translator(ISeq2SeqModel model, GenerationOptions options, int batchSize = 32) => new(model, Source, Target, options, batchSize);
}
