using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>Group normalisation of (N, C, *): C/groups channels per group; per-channel <c>weight</c> (1) and <c>bias</c> (0).</summary>
public sealed class GroupNorm : Module
{
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    [NotState] public int Groups { get; }
    [NotState] public float Eps { get; }

    public GroupNorm(int groups, int channels, float eps = 1e-5f)
    {
        if (groups < 1 || channels % groups != 0) throw new ArgumentException($"GroupNorm: {channels} channels do not split into {groups} groups");
        Groups = groups; Eps = eps;
        Weight = Init.Constant(1f, channels);
        Bias = Init.Constant(0f, channels);
    }

    public Tensor Forward(Tensor x) => F.GroupNorm(x, Groups, Weight, Bias, Eps);
}
