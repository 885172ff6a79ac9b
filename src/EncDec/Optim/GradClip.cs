using EncDec.Tensors;

namespace EncDec.Optim;

/// <summary>Gradient-norm clipping (PyTorch's <c>clip_grad_norm_</c>).</summary>
public static class GradClip
{
    /// <summary>The L2 norm over all gradients of <paramref name="parameters"/> (those without a gradient are skipped).</summary>
    public static double TotalNorm(IEnumerable<Tensor> parameters)
    {
        double sq = 0;
        foreach (var p in parameters)
        {
            if (p.Grad is not { } g) continue;
            double n = TensorPrimitives.Norm(g.ContiguousRaw().Span);
            sq += n * n;
        }
        return Math.Sqrt(sq);
    }

    /// <summary>
    /// Scales all gradients by <c>maxNorm / (total + 1e-6)</c> when that is below 1 and returns the total norm
    /// before clipping. A non-finite total (NaN/∞) is returned without touching the gradients: check it with
    /// <see cref="double.IsFinite"/> and skip the step.
    /// </summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        if (maxNorm <= 0 || double.IsNaN(maxNorm)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"invalid max norm {maxNorm}");
        var ps = parameters as IReadOnlyCollection<Tensor> ?? parameters.ToList();
        double total = TotalNorm(ps);
        if (!double.IsFinite(total)) return total;
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1)
        {
            foreach (var p in ps)
                if (p.Grad is { } g) TensorPrimitives.Multiply(g.Span, (float)coef, g.Span);
        }
        return total;
    }
}
