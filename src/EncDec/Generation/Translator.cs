using EncDec.Models;
using EncDec.Text;

namespace EncDec.Generation;

/// <summary>
/// Text-to-text decoding: tokenizes source lines (and each request's target-side prefix and required phrases), decodes them
/// through <see cref="LengthSortedDecoding"/> in chunks of <see cref="BatchSize"/>, detokenizes, and returns results in the
/// input order. An empty line of an encoder-decoder translates to an empty output (nothing is decoded for it).
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

    /// <summary>The source token ids of <paramref name="line"/> (before any <see cref="MaxSourceTokens"/> cut).</summary>
    public int[] EncodeSource(string line) => _source.Encode(line);

    /// <summary>Translates every line; <paramref name="progress"/> receives the number of lines done so far.</summary>
    public IReadOnlyList<Translation> Translate(IReadOnlyList<string> lines, Action<int>? progress = null)
        => Translate(lines.Select(l => new TranslationRequest(l)).ToList(), progress);

    /// <summary>
    /// Translates every request with its own prefix and required phrases (requests with equal ones are decoded together);
    /// <paramref name="progress"/> receives the number of lines done so far.
    /// </summary>
    public IReadOnlyList<Translation> Translate(IReadOnlyList<TranslationRequest> requests, Action<int>? progress = null)
    {
        var ids = requests.Select(r => EncodeSource(r.Source)).ToArray();
        var truncated = new bool[ids.Length];
        if (MaxSourceTokens > 0)
            for (int i = 0; i < ids.Length; i++)
                if (ids[i].Length > MaxSourceTokens) { ids[i] = ids[i][..MaxSourceTokens]; truncated[i] = true; }
        var results = new Translation[requests.Count];
        int done = 0;
        // an empty line has nothing to translate: its translation is empty (a language model continues an empty prefix)
        for (int i = 0; i < requests.Count; i++)
            if (ids[i].Length == 0 && !_emptySourceOk)
            {
                results[i] = new Translation(requests[i].Source, new[] { new TranslationCandidate("", Array.Empty<int>(), 0f, 0f) }, null,
                                             Array.Empty<string>(), Array.Empty<string>());
                done++;
            }
        if (done > 0) progress?.Invoke(done);
        // lines whose target-side settings are equal share options and are decoded together, in first-appearance order
        var groups = Enumerable.Range(0, requests.Count).Where(i => results[i] is null)
                               .Select(i => (Index: i, Options: OptionsOf(requests[i])))
                               .GroupBy(x => Key(x.Options), StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var members = group.Select(x => x.Index).ToArray();
            int before = done;
            var gen = LengthSortedDecoding.Generate(_model, members.Select(i => ids[i]).ToList(), group.First().Options, BatchSize,
                                                    sourceIds: members, progress: progress is null ? null : n => progress(before + n));
            for (int j = 0; j < members.Length; j++)
            {
                int i = members[j];
                var hyps = gen[j].Hypotheses;
                var nbest = hyps.Select(h => new TranslationCandidate(_target.Decode(h.Tokens), h.Tokens, h.Score, h.NormalizedScore)).ToList();
                var best = hyps.Count > 0 ? hyps[0] : null;
                results[i] = new Translation(requests[i].Source, nbest, best?.Attention,
                    ids[i].Select(t => _source.Vocab[t]).ToArray(),
                    best is null ? Array.Empty<string>() : best.Tokens.Select(t => _target.Vocab[t]).ToArray()) { SourceTruncated = truncated[i] };
            }
            done += members.Length;
        }
        return results;
    }

    /// <summary>The translator's options with a request's prefix and required phrases encoded by the target tokenizer.</summary>
    private GenerationOptions OptionsOf(TranslationRequest r)
    {
        var o = Options;
        if (r.Prefix is not null) o = o with { ForcedPrefix = _target.Encode(r.Prefix) };
        if (r.RequiredPhrases is not null)
            o = o with { RequiredPhrases = r.RequiredPhrases.Select(p => _target.Encode(p.Trim())).Where(p => p.Length > 0).ToList() };
        return o;
    }

    private static string Key(GenerationOptions o)
        => string.Join(",", o.ForcedPrefix) + "|" + string.Join(";", o.RequiredPhrases.Select(p => string.Join(",", p)));
}
