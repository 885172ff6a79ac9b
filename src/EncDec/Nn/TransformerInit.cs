using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// The parameter reset of PyTorch's <c>nn.Transformer</c> (<c>_reset_parameters</c>): Xavier-uniform on every
/// parameter with more than one dimension of the given encoder/decoder stacks; biases and layer norms keep
/// their values. The query/key/value projections get the bound of PyTorch's packed (3E, E)
/// <c>in_proj_weight</c>, √(6/(E + 3E)); <c>out_proj</c>, <c>linear1</c> and <c>linear2</c> that of their own
/// shape (for d=256, FFN=1024: linear2 U(±0.068) instead of <see cref="Linear"/>'s default U(±1/√1024 = ±0.031)).
/// Layers built on their own keep <see cref="Linear"/>'s default, as PyTorch's layers do.
/// </summary>
public static class TransformerInit
{
    public static void XavierReset(Rng? rng, params Module[] stacks)
    {
        foreach (var stack in stacks)
        {
            var packed = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
            foreach (var (_, m) in stack.NamedModules())
                if (m is MultiheadAttention mha)
                    foreach (var lin in new[] { mha.QProj, mha.KProj, mha.VProj }) packed.Add(lin.Weight);
            foreach (var (_, p) in stack.NamedParameters())
            {
                if (p.Rank < 2) continue;
                int fanOut = p.Shape[0], fanIn = p.Numel / fanOut;
                Init.XavierUniform_(p, fanIn, packed.Contains(p) ? 3 * fanOut : fanOut, rng);
            }
        }
    }
}
