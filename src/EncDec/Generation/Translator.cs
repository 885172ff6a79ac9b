using EncDec.Models;
using EncDec.Text;

namespace EncDec.Generation;

/// <summary>
/// Text-to-text decoding: tokenizes source lines (and each request's target-side prefix and required phrases), decodes them
/// through <see cref="LengthSortedDecoding"/> in chunks of <see cref="BatchSize"/>, detokenizes, and returns results in the
/// input order. An empty line of an encoder-decoder translates to an empty output (nothing is decoded for it:
/// <see cref="LengthSortedDecoding"/>). <c>translate</c>, the server and validation all decode through it.
/// </summary>
public sealed class Translator
{
    private readonly ISeq2SeqModel _model;
    private readonly ITokenizer _source;
    private readonly ITokenizer _target;

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
        if (model is Nn.Module m) m.Eval();
    }

    /// <summary>The source token ids of <paramref name="line"/> (before any <see cref="MaxSourceTokens"/> cut).</summary>
    public int[] EncodeSource(string line) => _source.Encode(line);

    /// <summary>Translates every line; <paramref name="progress"/> receives the number of lines done so far.</summary>
    public IReadOnlyList<Translation> Translate(IReadOnlyList<string> lines, Action<int>? progress = null)
        => Translate(lines.Select(l => new TranslationRequest(l)).ToList(), progress);

    /// <summary>
    /// Translates every request with its own prefix, required phrases and options (requests with equal ones are decoded
    /// together); <paramref name="progress"/> receives the number of lines done so far.
    /// </summary>
    public IReadOnlyList<Translation> Translate(IReadOnlyList<TranslationRequest> requests, Action<int>? progress = null)
        => Decode(requests.Select(Encode).ToList(), progress);

    /// <summary>
    /// A request as ids: its source (cut to <see cref="MaxSourceTokens"/>) by the source tokenizer, its prefix and required
    /// phrases (each trimmed; phrases without tokens dropped and listed) by the target tokenizer, into its options.
    /// </summary>
    public EncodedTranslationRequest Encode(TranslationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ids = EncodeSource(request.Source);
        bool truncated = MaxSourceTokens > 0 && ids.Length > MaxSourceTokens;
        if (truncated) ids = ids[..MaxSourceTokens];
        var o = request.Options ?? Options;
        if (request.Prefix is not null) o = o with { ForcedPrefix = _target.Encode(request.Prefix) };
        var dropped = new List<int>();
        if (request.RequiredPhrases is { } texts)
        {
            var phrases = new List<int[]>(texts.Count);
            for (int i = 0; i < texts.Count; i++)
            {
                var p = _target.Encode(texts[i].Trim());
                if (p.Length > 0) phrases.Add(p); else dropped.Add(i);
            }
            o = o with { RequiredPhrases = phrases };
        }
        return new EncodedTranslationRequest(request.Source, ids, o) { SourceTruncated = truncated, DroppedPhrases = dropped };
    }

    /// <summary>
    /// Decodes encoded requests (<see cref="Encode"/>) and detokenizes the outputs, in their order: requests with equal
    /// options share length-sorted chunks of <see cref="BatchSize"/>. <paramref name="progress"/> receives the number done so
    /// far; <paramref name="onToken"/> every generated token (greedy and sampling) with the request's index in
    /// <paramref name="requests"/>. An empty source of an encoder-decoder gives an empty output (nothing is decoded for it).
    /// </summary>
    public IReadOnlyList<Translation> Decode(IReadOnlyList<EncodedTranslationRequest> requests, Action<int>? progress = null,
                                             Action<StreamEvent>? onToken = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var results = new Translation[requests.Count];
        int done = 0;
        // requests with equal options are decoded together, in first-appearance order
        foreach (var members in Groups(requests))
        {
            int before = done;
            var gen = LengthSortedDecoding.Generate(_model, members.Select(i => requests[i].SourceIds).ToList(), requests[members[0]].Options,
                                                    BatchSize, sourceIds: members,
                                                    progress: progress is null ? null : n => progress(before + n), onToken: onToken);
            for (int j = 0; j < members.Length; j++)
            {
                var r = requests[members[j]];
                var hyps = gen[j].Hypotheses;
                var nbest = hyps.Select(h => new TranslationCandidate(_target.Decode(h.Tokens), h.Tokens, h.Score, h.NormalizedScore)
                                             { TokenLogProbs = h.TokenLogProbs, Attention = h.Attention }).ToList();
                var best = hyps.Count > 0 ? hyps[0] : null;
                results[members[j]] = new Translation(r.Source, nbest, best?.Attention,
                    r.SourceIds.Select(t => _source.Vocab[t]).ToArray(),
                    best is null ? Array.Empty<string>() : best.Tokens.Select(t => _target.Vocab[t]).ToArray()) { SourceTruncated = r.SourceTruncated };
            }
            done += members.Length;
        }
        return results;
    }

    /// <summary>The indices of the requests grouped by equal options (logits processors compared by identity), in first-appearance order.</summary>
    private static List<int[]> Groups(IReadOnlyList<EncodedTranslationRequest> requests)
    {
        var groups = new List<(GenerationOptions Options, string Key, List<int> Members)>();
        for (int i = 0; i < requests.Count; i++)
        {
            var o = requests[i].Options;
            string key = Key(o);
            int g = groups.FindIndex(x => ReferenceEquals(x.Options, o)
                                          || x.Key == key && x.Options.LogitsProcessors.SequenceEqual(o.LogitsProcessors, ReferenceEqualityComparer.Instance));
            if (g < 0) groups.Add((o, key, new List<int> { i })); else groups[g].Members.Add(i);
        }
        return groups.Select(x => x.Members.ToArray()).ToList();
    }

    /// <summary>Every option but the logits processors, as text: requests with equal keys (and processors) decode alike.</summary>
    private static string Key(GenerationOptions o)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(System.Globalization.CultureInfo.InvariantCulture,
                  $"{o.Strategy}|{o.BeamSize}|{o.NBest}|{o.LengthPenalty:R}|{o.EarlyStopping}|{o.MaxLength}|{o.MaxLengthA:R}|{o.MaxLengthB}|{o.MinLength}|{o.Temperature:R}|{o.TopK}|{o.TopP:R}|{o.TypicalP:R}|{o.MinP:R}|{o.RepetitionPenalty:R}|{o.NoRepeatNgramSize}|{o.Seed}|{o.ReturnAttention}|{o.ReturnTokenLogProbs}|{o.BosId}|{o.EosId}|{o.PadId}|");
        sb.AppendJoin(',', o.ForcedPrefix).Append('|');
        foreach (var p in o.BannedSequences) sb.AppendJoin(',', p).Append(';');
        sb.Append('|');
        foreach (var p in o.RequiredPhrases) sb.AppendJoin(',', p).Append(';');
        return sb.ToString();
    }
}
