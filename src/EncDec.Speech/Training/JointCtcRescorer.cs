using EncDec.Autograd;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Speech.Training;

/// <summary>
/// Joint CTC/attention decoding by rescoring (the hybrid of Watanabe et al. 2017, applied to an n-best list): the
/// decoder's beam proposes <c>beam</c> hypotheses, the CTC head's best path adds one more, and each candidate y is
/// scored by (1 − λ)·log p_att(y | x) + λ·log p_ctc(y | x), both teacher-forced (EOS included in the attention term).
/// CTC's alignment score punishes the decoder's dropped, repeated or invented words; the decoder's punishes CTC's
/// spelling-free frame errors. The model needs a CTC head.
/// </summary>
public static class JointCtcRescorer
{
    public static string[] Decode(SpeechToSequenceModel model, ITokenizer tokenizer, IReadOnlyList<SpeechExample> examples,
                                  int beam = 8, double ctcWeight = 0.3, int batch = 16, int maxLength = 32)
    {
        if (model.CtcHead is null) throw new ArgumentException("joint CTC/attention decoding needs a model with a CTC head (speech.ctc: true)");
        model.Eval();
        using var noGrad = GradMode.NoGrad();
        var o = new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = beam, NBest = beam, MaxLength = maxLength };
        var result = new List<string>();
        for (int s = 0; s < examples.Count; s += batch)
        {
            using var scope = TensorScope.Begin();
            var part = examples.Skip(s).Take(batch).ToList();
            var (mel, frames) = SpeechFeatures.Batch(part, model.MelBins);
            var src = model.ForAudio(mel, frames);
            var nbest = SequenceGenerator.Generate(src, src.Sources, o).ToArray();
            var enc = model.EncodeAudio(mel, frames);                                // (B, S, d): once for CTC and rescoring
            var (ctcLogits, lengths) = model.CtcLogits(enc);                         // (B, S, V)
            var ctcBest = CtcGreedyDecoder.Decode(ctcLogits, lengths, SpeechTrainer.CtcBlankId);
            var rows = new List<int>();
            var candidates = new List<int[]>();
            for (int i = 0; i < part.Count; i++)
            {
                var seen = new HashSet<string>();
                foreach (var ids in nbest[i].Hypotheses.Select(h => h.Tokens).Append(ctcBest[i]))
                    if (seen.Add(string.Join(",", ids))) { rows.Add(i); candidates.Add(ids); }
            }
            var scores = Score(model, enc, rows, candidates, ctcWeight);
            for (int i = 0; i < part.Count; i++)
            {
                int best = -1;
                for (int c = 0; c < candidates.Count; c++)
                    if (rows[c] == i && (best < 0 || scores[c] > scores[best])) best = c;
                result.Add(tokenizer.Decode(candidates[best]));
            }
        }
        return result.ToArray();
    }

    /// <summary>(1 − λ)·attention + λ·CTC log-likelihood of each candidate (row of <paramref name="part"/>, token ids).</summary>
    public static double[] Score(SpeechToSequenceModel model, IReadOnlyList<SpeechExample> part, IReadOnlyList<int> rows,
                                 IReadOnlyList<int[]> candidates, double ctcWeight)
    {
        var (mel, frames) = SpeechFeatures.Batch(part, model.MelBins);
        return Score(model, model.EncodeAudio(mel, frames), rows, candidates, ctcWeight);
    }

    /// <summary>
    /// The same scores from the encoder output of <c>part</c> (B rows), computed once: each candidate reads its row
    /// (<see cref="EncoderOutput.Select"/>) instead of encoding its clip again.
    /// </summary>
    public static double[] Score(SpeechToSequenceModel model, EncoderOutput partEncoded, IReadOnlyList<int> rows,
                                 IReadOnlyList<int[]> candidates, double ctcWeight)
    {
        int n = candidates.Count, t = candidates.Max(c => c.Length) + 1;
        var inp = new int[n * t];
        var tgt = new int[n * t];
        Array.Fill(inp, Vocabulary.PadId);
        Array.Fill(tgt, Vocabulary.PadId);
        for (int c = 0; c < n; c++)
        {
            inp[c * t] = Vocabulary.BosId;
            for (int j = 0; j < candidates[c].Length; j++) { inp[c * t + j + 1] = candidates[c][j]; tgt[c * t + j] = candidates[c][j]; }
            tgt[c * t + candidates[c].Length] = Vocabulary.EosId;
        }
        var enc = partEncoded.Select(rows.ToArray());                                                       // (N, S, d)
        var logits = model.Forward(enc, new IndexTensor(inp, n, t));                                        // (N, T, V)
        var (ctcLogits, lengths) = model.CtcLogits(enc);                                                    // (N, S, V)
        var logp = logits.LogSoftmax(-1).ToArray();                                                          // (N, T, V) flat
        int v = logits.Shape[^1];
        var ctc = F.CtcLoss(ctcLogits, lengths, candidates, SpeechTrainer.CtcBlankId, Reduction.None).ToArray();   // (N): −log p_ctc
        var scores = new double[n];
        for (int c = 0; c < n; c++)
        {
            double att = 0;
            for (int j = 0; j <= candidates[c].Length; j++) att += logp[(c * t + j) * v + tgt[c * t + j]];
            double ctcLog = double.IsFinite(ctc[c]) ? -ctc[c] : -1e9;
            scores[c] = (1 - ctcWeight) * att + ctcWeight * ctcLog;
        }
        return scores;
    }
}
