using EncDec.Autograd;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Generation;

/// <summary>One translated line: its n-best outputs (text, tokens, score) and, on request, the source attention of the best.</summary>
public sealed record Translation(string Source, IReadOnlyList<TranslationCandidate> NBest, float[,]? Attention, string[] SourceTokens, string[] OutputTokens)
{
    /// <summary>True when the source had more than <see cref="Translator.MaxSourceTokens"/> tokens and was cut to that many.</summary>
    public bool SourceTruncated { get; init; }
}

/// <summary>An output text with its token ids and scores.</summary>
public sealed record TranslationCandidate(string Text, int[] Tokens, float Score, float NormalizedScore);

/// <summary>
/// Text-to-text decoding: tokenizes source lines, decodes them in length-sorted batches with a
/// <see cref="SequenceGenerator"/>, detokenizes, and returns results in the input order. An empty line of an
/// encoder-decoder translates to an empty output (nothing is decoded for it).
/// </summary>
public sealed class Translator
{
    private readonly ISeq2SeqModel _model;
    private readonly ITokenizer _source;
    private readonly ITokenizer _target;
    private readonly bool _emptySourceOk;

    public GenerationOptions Options { get; }
    public int BatchSize { get; }
    /// <summary>
    /// Sources longer than this many tokens are cut to it (<see cref="Translation.SourceTruncated"/>), so that no line
    /// needs more positions than the model has or attention matrices of its length squared; 0 = no limit.
    /// </summary>
    public int MaxSourceTokens { get; init; }

    public Translator(ISeq2SeqModel model, ITokenizer source, ITokenizer target, GenerationOptions options, int batchSize = 32)
    {
        _model = model; _source = source; _target = target; Options = options; BatchSize = Math.Max(1, batchSize);
        _emptySourceOk = model is ILanguageModel;   // a language model's prefix may be empty (it was in training)
        if (model is Nn.Module m) m.Eval();
    }

    /// <summary>Translates every line; <paramref name="progress"/> receives the number of lines done so far.</summary>
    public IReadOnlyList<Translation> Translate(IReadOnlyList<string> lines, Action<int>? progress = null)
    {
        var ids = lines.Select(l => _source.Encode(l)).ToArray();
        var truncated = new bool[ids.Length];
        if (MaxSourceTokens > 0)
            for (int i = 0; i < ids.Length; i++)
                if (ids[i].Length > MaxSourceTokens) { ids[i] = ids[i][..MaxSourceTokens]; truncated[i] = true; }
        var results = new Translation[lines.Count];
        int done = 0;
        // an empty line has nothing to translate: its translation is empty (a language model continues an empty prefix)
        for (int i = 0; i < lines.Count; i++)
            if (ids[i].Length == 0 && !_emptySourceOk)
            {
                results[i] = new Translation(lines[i], new[] { new TranslationCandidate("", Array.Empty<int>(), 0f, 0f) }, null,
                                             Array.Empty<string>(), Array.Empty<string>());
                done++;
            }
        if (done > 0) progress?.Invoke(done);
        var order = Enumerable.Range(0, lines.Count).Where(i => results[i] is null).OrderBy(i => ids[i].Length).ToArray();
        for (int start = 0; start < order.Length; start += BatchSize)
        {
            var chunk = order.Skip(start).Take(BatchSize).ToArray();
            IReadOnlyList<GenerationResult> gen;
            using (GradMode.NoGrad())
            using (TensorScope.Begin())
                gen = SequenceGenerator.Generate(_model, chunk.Select(i => ids[i]).ToList(), Options, sourceIds: chunk);
            for (int j = 0; j < chunk.Length; j++)
            {
                int i = chunk[j];
                var hyps = gen[j].Hypotheses;
                var nbest = hyps.Select(h => new TranslationCandidate(_target.Decode(h.Tokens), h.Tokens, h.Score, h.NormalizedScore)).ToList();
                var best = hyps.Count > 0 ? hyps[0] : null;
                results[i] = new Translation(lines[i], nbest, best?.Attention,
                    ids[i].Select(t => _source.Vocab[t]).ToArray(),
                    best is null ? Array.Empty<string>() : best.Tokens.Select(t => _target.Vocab[t]).ToArray()) { SourceTruncated = truncated[i] };
            }
            done += chunk.Length;
            progress?.Invoke(done);
        }
        return results;
    }
}
