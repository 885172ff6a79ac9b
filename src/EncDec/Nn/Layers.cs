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

/// <summary>Lookup table (num, dim) with an optional padding row that stays zero and gets no gradient; init N(0, 1).</summary>
public sealed class Embedding : Module
{
    public Tensor Weight { get; }
    public int? PaddingIdx { get; }
    public int NumEmbeddings { get; }
    public int EmbeddingDim { get; }

    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, Rng? rng = null)
    {
        NumEmbeddings = numEmbeddings; EmbeddingDim = embeddingDim; PaddingIdx = paddingIdx;
        Weight = Init.Normal(1f, rng, numEmbeddings, embeddingDim);
        if (paddingIdx is { } p) Weight.Span.Slice(p * embeddingDim, embeddingDim).Clear();
    }

    /// <summary>ids (…) → (…, dim).</summary>
    public Tensor Forward(IndexTensor ids) => F.Embedding(ids, Weight, PaddingIdx);
}

/// <summary>Layer normalisation over the last dimension with learnable gain and bias.</summary>
public sealed class LayerNorm : Module
{
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public float Eps { get; }

    public LayerNorm(int dim, float eps = 1e-5f)
    {
        Eps = eps;
        Weight = Init.Constant(1f, dim);
        Bias = Init.Constant(0f, dim);
    }

    public Tensor Forward(Tensor x) => F.LayerNorm(x, Weight, Bias, Eps);
}

/// <summary>Inverted dropout, active only in training mode.</summary>
public sealed class Dropout : Module
{
    public float P { get; }
    private readonly Rng? _rng;

    public Dropout(float p, Rng? rng = null)
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), "dropout probability must be in [0, 1]");
        P = p; _rng = rng;
    }

    public Tensor Forward(Tensor x) => F.Dropout(x, P, Training, _rng);

    protected override IEnumerable<Rng> OwnGenerators() => _rng is null ? [] : [_rng];
}
