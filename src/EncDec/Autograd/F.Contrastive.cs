using EncDec.Tensors;

namespace EncDec.Autograd;

public static partial class F
{
    /// <summary>CLIP's cap on the learned logit scale: exp(logit_scale) never exceeds 100.</summary>
    public const float MaxLogitScale = 100f;

    /// <summary>x / max(‖x‖₂, eps) along <paramref name="dim"/>, like <c>torch.nn.functional.normalize</c>.</summary>
    public static Tensor Normalize(Tensor x, int dim = -1, float eps = 1e-12f)
    {
        var norm = (x * x).Sum(dim, keepDim: true).AddScalar(eps * eps).Sqrt();   // (…, 1, …)
        return x / norm;
    }

    /// <summary>
    /// exp(<paramref name="logitScale"/>) clamped at <see cref="MaxLogitScale"/> as CLIP does: above the cap the result
    /// is the constant 100 and the parameter gets no gradient (as <c>torch.clamp(..., max=ln 100).exp()</c>).
    /// </summary>
    public static Tensor ClampedScale(Tensor logitScale)
        => logitScale.Item() >= MathF.Log(MaxLogitScale) ? Tensor.Full(MaxLogitScale, logitScale.Shape) : logitScale.Exp();

    /// <summary>
    /// CLIP's symmetric InfoNCE: logits = scale · imageᵀtext over L2-normalised embeddings <paramref name="image"/> (N, P)
    /// and <paramref name="text"/> (N, P), scale = <see cref="ClampedScale"/>(<paramref name="logitScale"/>); the loss is
    /// the mean of the image→text and text→image cross-entropies with pair i as the target of row i. With
    /// <paramref name="groups"/> (one id per pair), pairs of equal id are all positives of one another and the target of
    /// a row is uniform over its positives (a duplicate caption is not pushed away from its twin's image); without it
    /// every pair is its own group and the loss is exactly CLIP's.
    /// </summary>
    public static Tensor SymmetricInfoNce(Tensor image, Tensor text, Tensor logitScale, IReadOnlyList<int>? groups = null)
    {
        int n = image.Shape[0];
        if (text.Shape[0] != n) throw new ArgumentException($"info_nce: {n} images but {text.Shape[0]} texts");
        var logits = image.MatMul(text, transB: true) * ClampedScale(logitScale);             // (N, P)·(N, P)ᵀ → (N, N)
        if (groups is null)
        {
            var diag = new IndexTensor(Enumerable.Range(0, n).ToArray(), n);
            var i2t = CrossEntropy(logits, diag);
            var t2i = CrossEntropy(logits.Transpose(0, 1).Contiguous(), diag);                // (N, N) rows = texts
            return (i2t + t2i) * 0.5f;
        }
        if (groups.Count != n) throw new ArgumentException($"info_nce: {groups.Count} group ids for {n} pairs");
        var target = new float[n * n];
        for (int i = 0; i < n; i++)
        {
            int positives = 0;
            for (int j = 0; j < n; j++) if (groups[i] == groups[j]) positives++;
            for (int j = 0; j < n; j++) if (groups[i] == groups[j]) target[i * n + j] = 1f / positives;
        }
        var t = Tensor.FromArray(target, n, n);                                               // symmetric (N, N)
        var a = -(logits.LogSoftmax(-1) * t).Sum() / n;
        var b = -(logits.Transpose(0, 1).Contiguous().LogSoftmax(-1) * t).Sum() / n;
        return (a + b) * 0.5f;
    }

    /// <summary>
    /// <c>SymmetricInfoNce</c> with extra hard-negative texts (M, P) that only the image→text direction sees:
    /// each image's row is softmaxed over the N batch texts and the M negatives (N + M columns), the text→image direction
    /// is the plain one over the N images. <paramref name="groups"/> has N + M ids (the batch texts', then the
    /// negatives'): a column whose id equals an image's pair id is a positive of that image (a "negative" that happens
    /// to be another pair's caption).
    /// </summary>
    public static Tensor SymmetricInfoNce(Tensor image, Tensor text, Tensor negatives, Tensor logitScale, IReadOnlyList<int> groups)
    {
        int n = image.Shape[0], m = negatives.Shape[0];
        if (text.Shape[0] != n) throw new ArgumentException($"info_nce: {n} images but {text.Shape[0]} texts");
        if (groups.Count != n + m) throw new ArgumentException($"info_nce: {groups.Count} group ids for {n} pairs and {m} negatives");
        var scale = ClampedScale(logitScale);
        var columns = Concat([text, negatives], 0);                                              // (N + M, P)
        var logits = image.MatMul(columns, transB: true) * scale;                                // (N, P)·(N + M, P)ᵀ → (N, N + M)
        var i2t = new float[n * (n + m)]; var t2i = new float[n * n];
        for (int i = 0; i < n; i++)
        {
            int positives = 0, pairs = 0;
            for (int j = 0; j < n + m; j++) if (groups[i] == groups[j]) { positives++; if (j < n) pairs++; }
            for (int j = 0; j < n + m; j++) if (groups[i] == groups[j]) i2t[i * (n + m) + j] = 1f / positives;
            for (int j = 0; j < n; j++) if (groups[i] == groups[j]) t2i[i * n + j] = 1f / pairs;
        }
        var a = -(logits.LogSoftmax(-1) * Tensor.FromArray(i2t, n, n + m)).Sum() / n;
        var pairLogits = logits.Narrow(1, 0, n).Transpose(0, 1).Contiguous();                   // (N, N) rows = texts
        var b = -(pairLogits.LogSoftmax(-1) * Tensor.FromArray(t2i, n, n)).Sum() / n;
        return (a + b) * 0.5f;
    }
}
