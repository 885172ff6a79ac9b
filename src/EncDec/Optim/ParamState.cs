using EncDec.Tensors;

namespace EncDec.Optim;

/// <summary>Serializable per-parameter state: its own step counter and named state tensors (PyTorch's slot names).</summary>
public sealed record ParamState(long Step, IReadOnlyDictionary<string, Tensor> Slots);
