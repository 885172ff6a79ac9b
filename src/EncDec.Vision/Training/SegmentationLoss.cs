using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Vision.Training;

/// <summary>Losses and metrics of per-pixel classification: logits (N, K, H, W), labels (N, H, W) with classes 0..K−1.</summary>
public static class SegmentationLoss
{
    /// <summary>Pixel-wise cross-entropy plus the soft Dice loss 1 − mean_k 2|P∩Y|/(|P|+|Y|) over the classes (softmax probabilities).</summary>
    public static Tensor DiceCrossEntropy(Tensor logits, IndexTensor labels, float diceWeight = 1f)
    {
        int n = logits.Shape[0], k = logits.Shape[1], hw = logits.Shape[2] * logits.Shape[3];
        var perPixel = logits.Reshape(n, k, hw).Transpose(1, 2).Reshape(n * hw, k);              // (N·H·W, K)
        var flat = new IndexTensor(labels.Data, labels.Numel);
        var ce = F.CrossEntropy(perPixel, flat);
        if (diceWeight == 0) return ce;
        var probs = perPixel.Softmax(-1);                                                      // (N·H·W, K)
        var onehot = Tensor.Zeros(n * hw, k);
        var oh = onehot.Span;
        for (int i = 0; i < flat.Numel; i++) oh[i * k + flat.Data[i]] = 1f;
        var inter = (probs * onehot).Sum(0);                                                   // (K)
        var denom = probs.Sum(0) + onehot.Sum(0);                                              // (K)
        var dice = (inter * 2f + 1f) / (denom + 1f);                                           // smoothed per-class Dice
        return ce + (1f - dice.Mean()) * diceWeight;
    }

    /// <summary>Predicted class per pixel: arg-max over K of logits (N, K, H, W) → (N·H·W) labels.</summary>
    public static int[] Predict(Tensor logits)
    {
        int n = logits.Shape[0], k = logits.Shape[1], hw = logits.Shape[2] * logits.Shape[3];
        var v = logits.ToArray();
        var r = new int[n * hw];
        for (int b = 0; b < n; b++)
            for (int p = 0; p < hw; p++)
            {
                int best = 0;
                for (int c = 1; c < k; c++) if (v[(b * k + c) * hw + p] > v[(b * k + best) * hw + p]) best = c;
                r[b * hw + p] = best;
            }
        return r;
    }

    /// <summary>Mean intersection-over-union over the classes present in prediction or truth (background included).</summary>
    public static double MeanIoU(IReadOnlyList<int> predicted, IReadOnlyList<int> truth, int classes)
    {
        double sum = 0; int counted = 0;
        for (int c = 0; c < classes; c++)
        {
            long inter = 0, uni = 0;
            for (int i = 0; i < truth.Count; i++)
            {
                bool p = predicted[i] == c, t = truth[i] == c;
                if (p && t) inter++;
                if (p || t) uni++;
            }
            if (uni == 0) continue;
            sum += (double)inter / uni; counted++;
        }
        return counted == 0 ? 1 : sum / counted;
    }
}
