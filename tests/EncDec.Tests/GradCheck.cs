using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests;

/// <summary>
/// Compares autograd gradients with central finite differences. The scalar probed is
/// L = Σ f(x) ⊙ R for a fixed random R, so every output element contributes. Differences are
/// taken with a step scaled to each input and accumulated in double precision.
/// </summary>
public static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double tol = 1e-3, float step = 1e-2f, int seed = 7)
    {
        foreach (var x in inputs) { x.RequiresGrad = true; x.Grad = null; }
        var rng = new Rng((ulong)seed);
        var y0 = f(inputs);
        var r = Tensor.Uniform(rng, -1f, 1f, y0.Shape);
        var loss = (y0 * r).Sum();
        loss.Backward();
        double Eval()
        {
            using var _ = GradMode.NoGrad();
            var y = f(inputs);
            var ya = y.ToArray(); var ra = r.ToArray();
            double s = 0;
            for (int i = 0; i < ya.Length; i++) s += (double)ya[i] * ra[i];
            return s;
        }
        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            var analytic = x.Grad?.ToArray() ?? new float[x.Numel];
            var numeric = new double[x.Numel];
            var data = x.Storage.Array;
            int idx = 0;
            var offsets = new List<int>();
            x.ForEachOffset(o => offsets.Add(o));
            foreach (var o in offsets)
            {
                float orig = data[o];
                float h = step * Math.Max(1f, Math.Abs(orig));
                data[o] = orig + h; double fp = Eval();
                data[o] = orig - h; double fm = Eval();
                data[o] = orig;
                numeric[idx++] = (fp - fm) / (2 * (double)h);
            }
            double diff = 0, na = 0, nn = 0;
            for (int i = 0; i < numeric.Length; i++)
            {
                diff += Math.Pow(analytic[i] - numeric[i], 2);
                na += Math.Pow(analytic[i], 2); nn += Math.Pow(numeric[i], 2);
            }
            double denom = Math.Max(Math.Sqrt(Math.Max(na, nn)), 1e-6);
            double rel = Math.Sqrt(diff) / denom;
            Assert.True(rel < tol, $"input {k} {ShapeUtil.Format(x.Shape)}: relative gradient error {rel:E3} >= {tol:E1} (|analytic|={Math.Sqrt(na):G4}, |numeric|={Math.Sqrt(nn):G4})");
        }
    }

    public static Tensor Rand(int seed, params int[] shape) => Tensor.Uniform(new Rng((ulong)seed), -1f, 1f, shape);
}
