using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.IO;

/// <summary>Copies named tensors into a model's named tensors (the loader of <see cref="Module.LoadStateDict"/>, for name → tensor maps).</summary>
public static class StateDict
{
    /// <summary>
    /// Copies each source tensor into the target tensor of the same name and shape. With <paramref name="strict"/>
    /// any missing, unexpected or mis-shaped key throws a <see cref="UserInputException"/> (naming
    /// <paramref name="sourcePath"/> when given) before anything is copied; otherwise matching tensors are copied
    /// and the report lists the rest.
    /// </summary>
    public static LoadReport LoadInto(IReadOnlyDictionary<string, Tensor> source, IReadOnlyDictionary<string, Tensor> target,
        bool strict = true, string? sourcePath = null)
        => StateDictLoader.Load(source, target, strict, sourcePath, StateDictLoader.MessageStyle.Grouped, mismatchAlwaysFails: false);
}
