using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Models;

/// <summary>BERT's masking: 15% of maskable tokens are predicted; of those 80% become MASK, 10% a random token, 10% stay.</summary>
public static class MlmMasking
{
    /// <summary>The target of a position that is not predicted (PyTorch's <c>ignore_index</c> default).</summary>
    public const int IgnoreTarget = -100;

    /// <summary>
    /// Masks a padded batch (B, S). Tokens with id below <paramref name="firstOrdinaryId"/> (PAD, BOS, EOS, UNK, MASK and
    /// control tokens) are never chosen. Returns the model input and the targets (original id where chosen, <see cref="IgnoreTarget"/> elsewhere).
    /// </summary>
    public static (int[] Input, int[] Targets) Apply(int[] ids, Rng rng, int vocabSize, int firstOrdinaryId,
                                                     double maskProbability = 0.15, int maskId = Vocabulary.MaskId)
    {
        var input = (int[])ids.Clone();
        var targets = new int[ids.Length];
        Array.Fill(targets, IgnoreTarget);
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] < firstOrdinaryId) continue;
            if (rng.NextDouble() >= maskProbability) continue;
            targets[i] = ids[i];
            double r = rng.NextDouble();
            if (r < 0.8) input[i] = maskId;
            else if (r < 0.9) input[i] = firstOrdinaryId + rng.NextInt(vocabSize - firstOrdinaryId);
        }
        return (input, targets);
    }
}
