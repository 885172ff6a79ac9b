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

    /// <summary>Tokenized examples of the pairs (source ids, target ids; BOS/EOS are added by the batches).</summary>
    public List<Example> Tokenize(IEnumerable<SentencePair> pairs) => Examples.Tokenize(pairs, Source, Target);

    /// <summary>
    /// A trainer of <paramref name="model"/> on <paramref name="train"/>; with <paramref name="valid"/> pairs it validates
    /// loss, perplexity, BLEU, chrF and exact match against the raw target lines.
    /// </summary>
    public Trainer Trainer(Seq2SeqModule model, TrainerOptions options, IEnumerable<SentencePair> train, IReadOnlyList<SentencePair>? valid = null,
                           BatcherOptions? batching = null)
    {
        var validExamples = valid is null ? null : Tokenize(valid);
        return new Trainer(model, options, Tokenize(train), validExamples, batching ?? new BatcherOptions())
        {
            Validation = valid is null ? null : new GreedyValidation(model, Target, options.ValidMaxLength),
            ValidationReferences = valid?.Select(p => p.Target).ToList(),
        };
    }

    /// <summary>A translator of <paramref name="model"/> with these tokenizers.</summary>
    public Translator Translator(ISeq2SeqModel model, GenerationOptions options, int batchSize = 32) => new(model, Source, Target, options, batchSize);
}
