using EncDec.Data;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>
/// Self-critical sequence training (Rennie et al. 2017): for each source, K outputs are sampled from the model and the
/// greedy output is decoded as the baseline; each sample's advantage is its reward minus the greedy output's, and the
/// loss is −Σ advantage · log p(sample) over the sampled tokens (REINFORCE), optionally minus an entropy bonus and mixed
/// with the gold cross-entropy. Candidates are decoded, and (unless <see cref="SequenceObjectiveOptions.DropoutInLoss"/>)
/// scored, in eval mode (no dropout), so the gradient is that of the policy that drew them; the MLE term keeps dropout.
/// </summary>
public sealed class ScstObjective : IBatchObjective
{
    private readonly Seq2SeqModule _model;
    private readonly SequenceReward _reward;
    private readonly SequenceObjectiveOptions _o;

    public ScstObjective(Seq2SeqModule model, SequenceReward reward, SequenceObjectiveOptions options)
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
        var (greedy, samples) = Decode(sources, step);

        var pairSources = new List<int[]>(); var pairOutputs = new List<int[]>(); var advantage = new List<float>();
        double greedyReward = 0;
        for (int b = 0; b < batch.B; b++)
        {
            double baseline = _reward(greedy[b], refs[b]);
            greedyReward += baseline;
            foreach (var y in samples[b])
            {
                pairSources.Add(sources[b]); pairOutputs.Add(y);
                advantage.Add((float)(_reward(y, refs[b]) - baseline));
            }
        }
        var (logp, tokens, entropy) = _o.DropoutInLoss
            ? SequenceLogProbs.Compute(_model, pairSources, pairOutputs, entropy: _o.EntropyWeight > 0, _o.Temperature)
            : SequenceLogProbs.WithoutDropout(_model, () => SequenceLogProbs.Compute(_model, pairSources, pairOutputs, entropy: _o.EntropyWeight > 0, _o.Temperature)); // (N)
        var adv = Tensor.FromArray(advantage.ToArray(), advantage.Count);                                                          // (N)
        var loss = logp.Mul(adv).Sum().MulScalar(-1f / Math.Max(tokens, 1));
        if (entropy is not null) loss = loss.Sub(entropy.MulScalar((float)_o.EntropyWeight));
        loss = SequenceLogProbs.MixGold(_model, loss, batch, _o.MleWeight);
        return new BatchObjectiveResult(loss, tokens, greedyReward / batch.B);
    }

    /// <summary>The greedy output and K samples per source, decoded without dropout.</summary>
    private (List<int[]> Greedy, List<List<int[]>> Samples) Decode(List<int[]> sources, long step) => SequenceLogProbs.WithoutDropout(_model, () =>
    {
        var greedy = SequenceGenerator.Generate(_model, sources, new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = _o.MaxLength })
            .Select(r => r.Hypotheses[0].Tokens).ToList();
        var sampled = SequenceGenerator.Generate(_model, sources, SequenceLogProbs.SamplingOptions(_o, step))
            .Select(r => r.Hypotheses.Select(h => h.Tokens).ToList()).ToList();
        return (greedy, sampled);
    });
}
