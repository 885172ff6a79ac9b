using EncDec.Data;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>
/// Minimum risk training (Shen et al. 2016): for each source a candidate set S(x) (K samples or the beam's n-best,
/// duplicates removed) gets the renormalised, sharpened model distribution Q(y|x) = p(y|x)^α / Σ_{y'∈S(x)} p(y'|x)^α,
/// and the loss is the expected risk Σ_y Q(y|x)·(−reward(y)) averaged over the sources (a constant added to every risk
/// leaves the gradient unchanged, so −reward serves as the cost), optionally mixed with the gold cross-entropy.
/// </summary>
public sealed class MrtObjective : IBatchObjective
{
    private readonly Seq2SeqModule _model;
    private readonly SequenceReward _reward;
    private readonly SequenceObjectiveOptions _o;

    public MrtObjective(Seq2SeqModule model, SequenceReward reward, SequenceObjectiveOptions options)
    {
        _model = model;
        _reward = reward;
        options.Validate();
        _o = options;
    }

    public BatchObjectiveResult Loss(Batch batch, long step)
    {
        var sources = SequenceLogProbs.Sources(batch);
        var refs = SequenceLogProbs.References(batch);
        var candidates = Candidates(sources, step);
        var risk = ExpectedRisk(sources, refs, candidates, out int tokens, out double meanReward);
        return new BatchObjectiveResult(SequenceLogProbs.MixGold(_model, risk, batch, _o.MleWeight), tokens, meanReward);
    }

    /// <summary>
    /// Σ_b Σ_{y ∈ candidates[b]} Q(y|x_b)·(−reward(y, ref_b)) / B with gradient through Q (candidates are used as
    /// given; <see cref="Loss"/> removes duplicates first). <paramref name="meanReward"/>: the Q-weighted reward.
    /// </summary>
    public Tensor ExpectedRisk(IReadOnlyList<int[]> sources, IReadOnlyList<int[]> refs, IReadOnlyList<IReadOnlyList<int[]>> candidates,
                               out int tokens, out double meanReward)
    {
        int b = sources.Count, k = candidates.Max(c => c.Count);
        var pairSources = new List<int[]>(); var pairOutputs = new List<int[]>();
        var slot = new int[b * k];            // (B, K) → pair index (padding slots point at the source's first candidate)
        var pad = new float[b * k];           // 1 at padding slots
        var cost = new float[b * k];          // −reward, 0 at padding slots
        for (int i = 0; i < b; i++)
        {
            int first = pairOutputs.Count;
            for (int j = 0; j < k; j++)
            {
                if (j < candidates[i].Count)
                {
                    slot[i * k + j] = pairOutputs.Count;
                    pairSources.Add(sources[i]); pairOutputs.Add(candidates[i][j]);
                    cost[i * k + j] = (float)-_reward(candidates[i][j], refs[i]);
                }
                else { slot[i * k + j] = first; pad[i * k + j] = 1f; }
            }
        }
        var (logp, n, _) = SequenceLogProbs.Compute(_model, pairSources, pairOutputs);                          // (N)
        tokens = n;
        var grid = Autograd.F.IndexSelect(logp, 0, new IndexTensor(slot, b * k)).Reshape(b, k);               // (B·K) → (B, K)
        var q = grid.MulScalar((float)_o.Alpha).MaskedFill(Tensor.FromArray(pad, b, k), float.NegativeInfinity).Softmax(1); // (B, K)
        var qa = q.ToArray();
        double reward = 0;
        for (int i = 0; i < qa.Length; i++) reward += qa[i] * -cost[i];
        meanReward = reward / b;
        return q.Mul(Tensor.FromArray(cost, b, k)).Sum().MulScalar(1f / b);
    }

    /// <summary>Distinct candidates per source, decoded without dropout.</summary>
    private List<IReadOnlyList<int[]>> Candidates(List<int[]> sources, long step) => SequenceLogProbs.WithoutDropout(_model, () =>
    {
        var options = _o.BeamCandidates
            ? new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = _o.Samples, NBest = _o.Samples, MaxLength = _o.MaxLength }
            : SequenceLogProbs.SamplingOptions(_o, step);
        return SequenceGenerator.Generate(_model, sources, options)
            .Select(r => (IReadOnlyList<int[]>)r.Hypotheses.Select(h => h.Tokens).DistinctBy(t => string.Join(',', t)).ToList()).ToList();
    });
}
