using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>y = x·Wᵀ + b. Weight (out, in), bias (out); PyTorch's default init U(±1/√in).</summary>
public sealed class Linear : Module
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    public Linear(int inFeatures, int outFeatures, bool bias = true, Rng? rng = null)
    {
        InFeatures = inFeatures; OutFeatures = outFeatures;
        float bound = 1f / MathF.Sqrt(Math.Max(inFeatures, 1));
        Weight = Init.Uniform(bound, rng, outFeatures, inFeatures);
        Bias = bias ? Init.Uniform(bound, rng, outFeatures) : null;
    }

    /// <summary>A linear layer over existing tensors (e.g. an output layer tied to an embedding matrix).</summary>
    public Linear(Tensor weight, Tensor? bias)
    {
        if (weight.Rank != 2) throw new ArgumentException("weight must be (out, in)");
        Weight = weight; Bias = bias;
        OutFeatures = weight.Shape[0]; InFeatures = weight.Shape[1];
    }

    /// <summary>When set (<see cref="Int8Quantizer"/>), inference without autograd runs the int8 kernel on these values.</summary>
    public Int8Weight? Int8 { get; set; }

    /// <summary>(…, in) → (…, out).</summary>
    public Tensor Forward(Tensor x) => Int8 is not null && !GradMode.IsEnabled ? Int8.Forward(x, Bias) : F.Linear(x, Weight, Bias);
}
