using System.Numerics;
using EncDec.Autograd;
using EncDec.Models;
using EncDec.Tensors;

namespace EncDec.Generation;

/// <summary>
/// Autoregressive decoding for any <see cref="ISeq2SeqModel"/>: greedy, beam search (lexically constrained with
/// dynamic beam allocation when required phrases are given) and sampling, batched over source sentences.
/// Decoding is incremental: every step feeds only the last token and the model's returned state carries
/// whatever cache it keeps. Per step, the scores of a hypothesis are computed as
/// <list type="number">
/// <item>soft processors on the logits: repetition penalty, user <see cref="GenerationOptions.LogitsProcessors"/>, temperature;</item>
/// <item>log-softmax;</item>
/// <item>hard masks on the log-probs (no renormalisation): PAD/BOS, no-repeat-n-gram, banned sequences, min length,
/// forced prefix, constraint feasibility, and at the maximum length everything but EOS.</item>
/// </list>
/// A hypothesis's score is the sum of these log-probs, EOS included. Sampling additionally applies the top-k,
/// top-p, typical and min-p warpers (in that order) before drawing; reported log-probs are the unwarped ones.
/// </summary>
public static class SequenceGenerator
{
    /// <summary>One <see cref="GenerationResult"/> per source, in order, each with its hypotheses best first.</summary>
    /// <param name="onToken">Called for every token as it is produced (greedy and sampling only).</param>
    public static IReadOnlyList<GenerationResult> Generate(ISeq2SeqModel model, IReadOnlyList<int[]> sources, GenerationOptions options, Action<StreamEvent>? onToken = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(model.TargetVocabSize);
        if (sources.Count == 0) return Array.Empty<GenerationResult>();
        // a model that computes source attention only on request gets asked for it for this call
        var optional = options.ReturnAttention ? model as IOptionalAttention : null;
        bool saved = optional?.NeedAttention ?? false;
        if (optional is not null) optional.NeedAttention = true;
        try
        {
            using (GradMode.NoGrad())
            {
                var run = new Run(model, sources, options, onToken);
                return options.Strategy == DecodingStrategy.Beam ? run.Beam() : run.GreedyOrSample();
            }
        }
        finally
        {
            if (optional is not null) optional.NeedAttention = saved;
        }
    }

    /// <summary>GNMT length penalty ((5 + length) / 6)^α.</summary>
    public static float LengthPenaltyFactor(int length, float alpha) => alpha == 0f ? 1f : MathF.Pow((5f + length) / 6f, alpha);

    /// <summary>Log-softmax of one row in place; a row that is entirely −∞ stays so.</summary>
    internal static void LogSoftmaxInPlace(Span<float> row, Span<float> scratch)
    {
        float max = TensorPrimitives.Max(row);
        if (!float.IsFinite(max)) { if (float.IsPositiveInfinity(max) || float.IsNaN(max)) throw new InvalidOperationException("non-finite logits"); return; }
        var tmp = scratch[..row.Length];
        TensorPrimitives.Subtract(row, max, tmp);
        TensorPrimitives.Exp(tmp, tmp);
        float lse = max + MathF.Log(TensorPrimitives.Sum(tmp));
        TensorPrimitives.Subtract(row, lse, row);
    }

    /// <summary>A link in a hypothesis's history (shared by beams with a common prefix).</summary>
    private sealed class HypNode(HypNode? parent, int token, float logProb, float[]? attention)
    {
        public HypNode? Parent { get; } = parent;
        public int Token { get; } = token;
        public float LogProb { get; } = logProb;
        public float[]? Attention { get; } = attention;
    }

    private readonly record struct Finished(float Score, float Normalized, HypNode Node, long Order);

    private readonly record struct Candidate(float Score, int Row, int Token, float LogProb, ConstraintState State, int Bank);

    /// <summary>State of one Generate call.</summary>
    private sealed class Run
    {
        private readonly ISeq2SeqModel _model;
        private readonly GenerationOptions _o;
        private readonly Action<StreamEvent>? _onToken;
        private readonly int _v, _b;
        private readonly int[] _srcLen, _maxLen;
        private readonly int _stride;               // max output length + 1, the row stride of token buffers
        private readonly List<ILogitsProcessor> _soft = new(), _hard = new();
        private readonly PhraseConstraints? _constraints;
        private readonly EncoderOutput _enc0;
        private float[] _scores = Array.Empty<float>();
        private readonly float[] _scratch;
        private readonly List<int> _next = new();

        public Run(ISeq2SeqModel model, IReadOnlyList<int[]> sources, GenerationOptions o, Action<StreamEvent>? onToken)
        {
            _model = model; _o = o; _onToken = onToken;
            _v = model.TargetVocabSize; _b = sources.Count;
            _srcLen = sources.Select(s => s?.Length ?? throw new ArgumentException("null source")).ToArray();
            _maxLen = _srcLen.Select(o.EffectiveMaxLength).ToArray();
            _stride = _maxLen.Max() + 1;
            _scratch = new float[_v];

            if (o.RepetitionPenalty != 1f) _soft.Add(new RepetitionPenaltyLogitsProcessor(o.RepetitionPenalty));
            _soft.AddRange(o.LogitsProcessors);
            if (o.Temperature != 1f) _soft.Add(new TemperatureLogitsWarper(o.Temperature));
            _hard.Add(new SuppressTokensLogitsProcessor(new[] { o.PadId, o.BosId }.Where(t => t != o.EosId).Distinct().ToArray()));
            if (o.NoRepeatNgramSize > 0) _hard.Add(new NoRepeatNGramLogitsProcessor(o.NoRepeatNgramSize));
            if (o.BannedSequences.Count > 0) _hard.Add(new BannedSequencesLogitsProcessor(o.BannedSequences));
            if (o.MinLength > 0) _hard.Add(new MinLengthLogitsProcessor(o.MinLength, o.EosId));
            if (o.ForcedPrefix.Count > 0) _hard.Add(new ForcedPrefixLogitsProcessor(o.ForcedPrefix));
            if (o.RequiredPhrases.Count > 0) _constraints = new PhraseConstraints(o.RequiredPhrases);

            int width = Math.Max(1, _srcLen.Max());
            var ids = new int[_b * width];
            if (o.PadId != 0) Array.Fill(ids, o.PadId);
            for (int i = 0; i < _b; i++) sources[i].CopyTo(ids, i * width);
            _enc0 = model.Encode(new IndexTensor(ids, _b, width), (int[])_srcLen.Clone());
        }

        // ------------------------------------------------------------ shared step processing

        /// <summary>Copies the step's logits and turns each row into processed log-probs (see the class summary).</summary>
        private void ProcessRows(StepResult res, int rows, int[] rowSource, int[] tokens, int step, ConstraintState[]? cs)
        {
            var logits = res.Logits;
            if (logits.Rank != 2 || logits.Shape[0] != rows || logits.Shape[1] != _v)
                throw new InvalidOperationException($"model returned logits {logits}, expected ({rows}, {_v})");
            if (_scores.Length < rows * _v) _scores = new float[rows * _v];
            logits.CopyTo(_scores.AsSpan(0, rows * _v));
            for (int r = 0; r < rows; r++)
            {
                var row = _scores.AsSpan(r * _v, _v);
                var gen = tokens.AsSpan(r * _stride, step);
                int src = rowSource[r];
                foreach (var p in _soft) p.Process(src, gen, row);
                LogSoftmaxInPlace(row, _scratch);
                foreach (var p in _hard) p.Process(src, gen, row);
                if (_constraints is not null && cs is not null) ApplyConstraintMask(row, cs[r], step, _maxLen[src]);
                if (step >= _maxLen[src]) ForcedPrefixLogitsProcessor.KeepOnly(row, _o.EosId);
            }
        }

        /// <summary>EOS only once every phrase is met; only constraint tokens once the remaining steps are just enough.</summary>
        private void ApplyConstraintMask(Span<float> row, ConstraintState s, int step, int maxLen)
        {
            var c = _constraints!;
            if (!c.AllMet(s)) row[_o.EosId] = float.NegativeInfinity;
            int needed = c.Needed(s), remaining = maxLen - step;
            if (needed == 0 || needed < remaining) return;
            if (needed > remaining) { row.Fill(float.NegativeInfinity); return; }
            c.NextTokens(s, _next);
            for (int t = 0; t < row.Length; t++) if (!_next.Contains(t)) row[t] = float.NegativeInfinity;
        }

        private float[]? AttentionRows(StepResult res, int rows)
        {
            if (!_o.ReturnAttention || res.Attention is null) return null;
            var a = res.Attention;
            if (a.Numel != rows * _enc0.SourceLength) throw new InvalidOperationException($"model returned attention {a}, expected ({rows}, {_enc0.SourceLength})");
            return a.ToArray();
        }

        private float[]? AttentionOf(float[]? attn, int row, int src)
        {
            if (attn is null) return null;
            int s = _enc0.SourceLength;
            return attn.AsSpan(row * s, _srcLen[src]).ToArray();
        }

        private Hypothesis ToHypothesis(HypNode eosNode, float score, float normalized)
        {
            int n = 0;
            for (var p = eosNode; p is not null; p = p.Parent) n++;
            var nodes = new HypNode[n];
            int i = n;
            for (var p = eosNode; p is not null; p = p.Parent) nodes[--i] = p;
            var tokens = new int[n - 1];
            for (int j = 0; j < n - 1; j++) tokens[j] = nodes[j].Token;
            float[]? lps = _o.ReturnTokenLogProbs ? nodes.Select(x => x.LogProb).ToArray() : null;
            float[,]? attn = null;
            if (_o.ReturnAttention && nodes.All(x => x.Attention is not null))
            {
                int s = nodes[0].Attention!.Length;
                attn = new float[n, s];
                for (int j = 0; j < n; j++) for (int k = 0; k < s; k++) attn[j, k] = nodes[j].Attention![k];
            }
            return new Hypothesis(tokens, score, normalized, lps, attn);
        }

        /// <summary>
        /// A scope for one decoding step's temporaries when the model's state lists its tensors (see
        /// <see cref="IDecoderState.Tensors"/>), else null (nothing is freed until the caller's own scope ends).
        /// </summary>
        private static TensorScope? StepScope(IDecoderState state) => state.Tensors is null ? null : TensorScope.Begin();

        /// <summary>Keeps the tensors of the state that survives the step out of the step's scope.</summary>
        private static IDecoderState Hold(TensorScope? scope, IDecoderState state)
        {
            if (scope is null) return state;
            var held = state.Tensors ?? throw new InvalidOperationException($"{state.GetType().Name} stopped listing its tensors");
            foreach (var t in held) scope.Keep(t);
            return state;
        }

        private static EncoderOutput Hold(TensorScope? scope, EncoderOutput enc)
        {
            if (scope is null) return enc;
            scope.Keep(enc.Memory); scope.Keep(enc.PaddingMask);
            foreach (var t in enc.Extras) scope.Keep(t);
            return enc;
        }

        private static bool IsIdentity(int[] parents, int rows)
        {
            if (parents.Length != rows) return false;
            for (int i = 0; i < parents.Length; i++) if (parents[i] != i) return false;
            return true;
        }

        // ------------------------------------------------------------ greedy and sampling

        public IReadOnlyList<GenerationResult> GreedyOrSample()
        {
            bool sample = _o.Strategy == DecodingStrategy.Sample;
            int nb = sample ? _o.NBest : 1;
            int rows = _b * nb;
            var rowSource = new int[rows]; var rowSeq = new int[rows];
            for (int r = 0; r < rows; r++) { rowSource[r] = r / nb; rowSeq[r] = r % nb; }
            var enc = nb > 1 ? _enc0.Select(rowSource) : _enc0;
            var state = _model.InitialState(enc);
            var tokens = new int[rows * _stride];
            var score = new float[rows];
            var node = new HypNode?[rows];
            var results = new Hypothesis?[_b, nb];
            var rng = sample ? new Rng(_o.Seed) : null;
            var last = new int[rows];
            var keep = new List<int>(rows);

            for (int step = 0; rows > 0; step++)
            {
                using var scope = StepScope(state);
                if (last.Length != rows) last = new int[rows];
                for (int r = 0; r < rows; r++) last[r] = step == 0 ? _o.BosId : tokens[r * _stride + step - 1];
                var res = _model.DecodeStep(last, step, enc, state);
                ProcessRows(res, rows, rowSource, tokens, step, null);
                var attn = AttentionRows(res, rows);
                keep.Clear();
                for (int r = 0; r < rows; r++)
                {
                    var row = _scores.AsSpan(r * _v, _v);
                    int tok;
                    if (float.IsNegativeInfinity(TensorPrimitives.Max(row))) tok = _o.EosId;  // every token banned: end here
                    else tok = sample ? Draw(row, rng!) : TensorPrimitives.IndexOfMax(row);
                    float lp = row[tok];
                    score[r] += lp;
                    int src = rowSource[r];
                    node[r] = new HypNode(node[r], tok, lp, AttentionOf(attn, r, src));
                    _onToken?.Invoke(new StreamEvent(src, tok, step, rowSeq[r]));
                    if (tok == _o.EosId)
                    {
                        float norm = score[r] / LengthPenaltyFactor(step + 1, _o.LengthPenalty);
                        results[src, rowSeq[r]] = ToHypothesis(node[r]!, score[r], norm);
                        continue;
                    }
                    tokens[r * _stride + step] = tok;
                    keep.Add(r);
                }
                if (keep.Count == rows) { state = Hold(scope, res.Next); continue; }
                // compact the surviving rows (ascending, so in place is safe)
                var parents = keep.ToArray();
                for (int i = 0; i < parents.Length; i++)
                {
                    int p = parents[i];
                    if (p == i) continue;
                    Array.Copy(tokens, p * _stride, tokens, i * _stride, step + 1);
                    rowSource[i] = rowSource[p]; rowSeq[i] = rowSeq[p]; score[i] = score[p]; node[i] = node[p];
                }
                rows = parents.Length;
                if (rows == 0) break;
                state = Hold(scope, res.Next.Select(parents));
                enc = Hold(scope, enc.Select(parents));
            }

            var output = new GenerationResult[_b];
            for (int b = 0; b < _b; b++)
            {
                var hyps = new List<Hypothesis>(nb);
                for (int j = 0; j < nb; j++) hyps.Add(results[b, j]!);
                output[b] = new GenerationResult(b, sample ? hyps.OrderByDescending(h => h.NormalizedScore).ToList() : hyps);
            }
            return output;
        }

        /// <summary>Warps a copy of the row and draws a token from its softmax.</summary>
        private int Draw(ReadOnlySpan<float> row, Rng rng)
        {
            var w = _scratch.AsSpan(0, _v);
            row.CopyTo(w);
            if (_o.TopK > 0) LogitsWarpers.TopK(w, _o.TopK);
            if (_o.TopP < 1f) LogitsWarpers.TopP(w, _o.TopP);
            if (_o.TypicalP < 1f) LogitsWarpers.Typical(w, _o.TypicalP);
            if (_o.MinP > 0f) LogitsWarpers.MinP(w, _o.MinP);
            return SampleIndex(w, rng);
        }

        // ------------------------------------------------------------ beam search

        public IReadOnlyList<GenerationResult> Beam()
        {
            int k = _o.BeamSize;
            var c = _constraints;
            int rows = _b;
            var rowSource = Enumerable.Range(0, _b).ToArray();
            var score = new float[rows];
            var node = new HypNode?[rows];
            var cs = new ConstraintState[rows];
            Array.Fill(cs, ConstraintState.Start);
            var tokens = new int[rows * _stride];
            var finished = new List<Finished>[_b];
            for (int b = 0; b < _b; b++) finished[b] = new List<Finished>();
            long order = 0;
            var enc = _enc0;
            var state = _model.InitialState(enc);
            var cands = new List<Candidate>();
            var selected = new List<Candidate>();
            var seen = new HashSet<long>();
            var heap = new CandidateHeap(2 * k);
            int[] bankCount = new int[(c?.TotalTokens ?? 0) + 1];

            for (int step = 0; rows > 0; step++)
            {
                using var scope = StepScope(state);
                var last = new int[rows];
                for (int r = 0; r < rows; r++) last[r] = step == 0 ? _o.BosId : tokens[r * _stride + step - 1];
                var res = _model.DecodeStep(last, step, enc, state);
                ProcessRows(res, rows, rowSource, tokens, step, cs);
                var attn = AttentionRows(res, rows);
                selected.Clear();

                for (int start = 0; start < rows;)
                {
                    int b = rowSource[start], end = start;
                    while (end < rows && rowSource[end] == b) end++;

                    // candidates: the best 2k (row, token) pairs; with constraints also each row's constraint tokens and best token
                    heap.Clear();
                    for (int r = start; r < end; r++) OfferRow(heap, _scores.AsSpan(r * _v, _v), score[r], r);
                    cands.Clear();
                    for (int i = 0; i < heap.Count; i++) cands.Add(MakeCandidate(heap.Row(i), heap.Token(i), score, cs));
                    if (c is not null)
                    {
                        seen.Clear();
                        foreach (var x in cands) seen.Add((long)x.Row * _v + x.Token);
                        for (int r = start; r < end; r++)
                        {
                            var row = _scores.AsSpan(r * _v, _v);
                            c.NextTokens(cs[r], _next);
                            _next.Add(TensorPrimitives.IndexOfMax(row));
                            foreach (int t in _next)
                                if (!float.IsNegativeInfinity(row[t]) && seen.Add((long)r * _v + t)) cands.Add(MakeCandidate(r, t, score, cs));
                        }
                    }
                    cands.Sort(static (x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Row != y.Row ? x.Row.CompareTo(y.Row) : x.Token.CompareTo(y.Token));
                    if (c is not null) OrderByBanks(cands, bankCount);

                    // walk the ordered candidates: EOS among the first k finishes, the first k others stay live
                    int liveBefore = selected.Count, live = 0;
                    var fin = finished[b];
                    for (int i = 0; i < cands.Count && live < k; i++)
                    {
                        var x = cands[i];
                        if (x.Token == _o.EosId)
                        {
                            if (i >= k) continue;
                            float norm = x.Score / LengthPenaltyFactor(step + 1, _o.LengthPenalty);
                            var eos = new HypNode(node[x.Row], x.Token, x.LogProb, AttentionOf(attn, x.Row, b));
                            InsertFinished(fin, new Finished(x.Score, norm, eos, order++), k);
                        }
                        else { selected.Add(x); live++; }
                    }
                    if (SentenceDone(fin, selected, liveBefore, step + 1, _maxLen[b])) selected.RemoveRange(liveBefore, selected.Count - liveBefore);
                    start = end;
                }

                if (selected.Count == 0) break;
                int n = selected.Count;
                var parents = new int[n];
                var newSource = new int[n]; var newScore = new float[n]; var newNode = new HypNode?[n]; var newCs = new ConstraintState[n];
                var newTokens = new int[n * _stride];
                bool sameSources = n == rows;
                for (int i = 0; i < n; i++)
                {
                    var x = selected[i];
                    int p = x.Row, src = rowSource[p];
                    parents[i] = p; newSource[i] = src; newScore[i] = x.Score; newCs[i] = x.State;
                    newNode[i] = new HypNode(node[p], x.Token, x.LogProb, AttentionOf(attn, p, src));
                    Array.Copy(tokens, p * _stride, newTokens, i * _stride, step);
                    newTokens[i * _stride + step] = x.Token;
                    if (sameSources && rowSource[i] != src) sameSources = false;
                }
                state = Hold(scope, IsIdentity(parents, rows) ? res.Next : res.Next.Select(parents));
                if (!sameSources) enc = Hold(scope, enc.Select(parents));   // rows of one source share the same encoder output
                rows = n; rowSource = newSource; score = newScore; node = newNode; cs = newCs; tokens = newTokens;
            }

            var output = new GenerationResult[_b];
            for (int b = 0; b < _b; b++)
                output[b] = new GenerationResult(b, finished[b].Take(_o.NBest).Select(f => ToHypothesis(f.Node, f.Score, f.Normalized)).ToList());
            return output;
        }

        /// <summary>
        /// Offers every finite (score + log-prob, row, token) of a row to the heap, in token order. Once the heap is
        /// full, SIMD blocks whose every sum is ≤ the heap's worst are skipped (the heap would reject each of them;
        /// the sums are computed exactly as the scalar path does).
        /// </summary>
        private static void OfferRow(CandidateHeap heap, ReadOnlySpan<float> row, float rowScore, int r)
        {
            int w = Vector<float>.Count, t = 0;
            var add = new Vector<float>(rowScore);
            while (t < row.Length)
            {
                if (heap.IsFull && t + w <= row.Length)
                {
                    var sums = new Vector<float>(row.Slice(t, w)) + add;
                    if (!Vector.GreaterThanAny(sums, new Vector<float>(heap.WorstScore))) { t += w; continue; }
                }
                int end = Math.Min(t + w, row.Length);
                for (; t < end; t++)
                {
                    float lp = row[t];
                    if (float.IsNegativeInfinity(lp)) continue;
                    heap.Offer(rowScore + lp, r, t);
                }
            }
        }

        private Candidate MakeCandidate(int r, int t, float[] score, ConstraintState[] cs)
        {
            float lp = _scores[r * _v + t];
            var st = cs[r];
            int bank = 0;
            if (_constraints is { } c)
            {
                if (t != _o.EosId) st = c.Advance(st, t);
                bank = c.MetTokens(st);
            }
            return new Candidate(score[r] + lp, r, t, lp, st, bank);
        }

        /// <summary>
        /// Dynamic beam allocation (Post &amp; Vilar 2018): candidates (already sorted by score) are interleaved by
        /// bank — the best of the bank with most constraint tokens met, then the best of the next bank, …, then the
        /// second best of each — so that the beam is shared among banks and an underfilled bank yields its slots.
        /// </summary>
        private static void OrderByBanks(List<Candidate> cands, int[] bankCount)
        {
            Array.Clear(bankCount);
            var keyed = new (int Rank, int Bank, int Index)[cands.Count];
            for (int i = 0; i < cands.Count; i++) keyed[i] = (bankCount[cands[i].Bank]++, cands[i].Bank, i);
            Array.Sort(keyed, static (x, y) => x.Rank != y.Rank ? x.Rank.CompareTo(y.Rank) : x.Bank != y.Bank ? y.Bank.CompareTo(x.Bank) : x.Index.CompareTo(y.Index));
            var copy = cands.ToArray();
            for (int i = 0; i < keyed.Length; i++) cands[i] = copy[keyed[i].Index];
        }

        private static void InsertFinished(List<Finished> fin, Finished f, int cap)
        {
            int at = fin.Count;
            while (at > 0 && fin[at - 1].Normalized < f.Normalized) at--;
            if (at >= cap) return;
            fin.Insert(at, f);
            if (fin.Count > cap) fin.RemoveAt(fin.Count - 1);
        }

        /// <summary>The stopping rule documented on <see cref="GenerationOptions.EarlyStopping"/>.</summary>
        private bool SentenceDone(List<Finished> fin, List<Candidate> selected, int from, int lengthSoFar, int maxLen)
        {
            if (selected.Count == from) return true;
            if (_o.EarlyStopping && fin.Count >= _o.BeamSize) return true;
            if (fin.Count < _o.BeamSize) return false;
            float worst = fin[_o.BeamSize - 1].Normalized;
            float alpha = _o.LengthPenalty;
            // final |Y| lies in [lengthSoFar + 1, maxLen + 1] and the final score is ≤ the current (log-probs ≤ 0)
            float lp = alpha > 0 ? LengthPenaltyFactor(maxLen + 1, alpha) : LengthPenaltyFactor(lengthSoFar + 1, alpha);
            for (int i = from; i < selected.Count; i++)
                if (selected[i].Score / lp > worst) return false;
            return true;
        }
    }

    /// <summary>Draws an index from softmax(<paramref name="scores"/>).</summary>
    internal static int SampleIndex(ReadOnlySpan<float> scores, Rng rng)
    {
        float max = TensorPrimitives.Max(scores);
        double sum = 0;
        for (int i = 0; i < scores.Length; i++) if (!float.IsNegativeInfinity(scores[i])) sum += Math.Exp(scores[i] - (double)max);
        double u = rng.NextDouble() * sum, cum = 0;
        int lastFinite = -1;
        for (int i = 0; i < scores.Length; i++)
        {
            if (float.IsNegativeInfinity(scores[i])) continue;
            lastFinite = i;
            cum += Math.Exp(scores[i] - (double)max);
            if (u < cum) return i;
        }
        return lastFinite;
    }

    /// <summary>Bounded min-heap keeping the best (score, then lower row, then lower token) candidates.</summary>
    private sealed class CandidateHeap(int capacity)
    {
        private readonly float[] _s = new float[capacity];
        private readonly int[] _r = new int[capacity], _t = new int[capacity];
        public int Count { get; private set; }
        public int Row(int i) => _r[i];
        public int Token(int i) => _t[i];
        public void Clear() => Count = 0;
        public bool IsFull => Count == capacity;
        /// <summary>The score of the worst kept candidate (the root); meaningful when <see cref="IsFull"/>.</summary>
        public float WorstScore => _s[0];

        // a is worse than b
        private bool Worse(int a, int b) => _s[a] < _s[b] || (_s[a] == _s[b] && (_r[a] > _r[b] || (_r[a] == _r[b] && _t[a] > _t[b])));

        /// <summary>Offers a candidate; calls come in increasing (row, token) order, so a tie with the root loses.</summary>
        public void Offer(float s, int r, int t)
        {
            if (Count == capacity)
            {
                if (s <= _s[0]) return;
                _s[0] = s; _r[0] = r; _t[0] = t;
                Down(0);
                return;
            }
            int i = Count++;
            _s[i] = s; _r[i] = r; _t[i] = t;
            while (i > 0)
            {
                int p = (i - 1) / 2;
                if (!Worse(i, p)) break;
                Swap(i, p); i = p;
            }
        }

        private void Down(int i)
        {
            while (true)
            {
                int l = 2 * i + 1, m = i;
                if (l < Count && Worse(l, m)) m = l;
                if (l + 1 < Count && Worse(l + 1, m)) m = l + 1;
                if (m == i) return;
                Swap(i, m); i = m;
            }
        }

        private void Swap(int a, int b)
        {
            (_s[a], _s[b]) = (_s[b], _s[a]); (_r[a], _r[b]) = (_r[b], _r[a]); (_t[a], _t[b]) = (_t[b], _t[a]);
        }
    }
}
