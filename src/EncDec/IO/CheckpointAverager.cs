using EncDec.Tensors;

namespace EncDec.IO;

/// <summary>
/// Checkpoint averaging (Vaswani et al., 2017; Junczys-Dowmunt et al., 2016): the element-wise mean of the model
/// weights of several checkpoints of one run, which usually scores a little better than any single one. Sums are
/// kept in double and taken in the order the files are given, so the result does not depend on timing.
/// </summary>
public static class CheckpointAverager
{
    /// <summary>The element-wise mean of the model tensors of <paramref name="paths"/> (read one at a time).</summary>
    /// <exception cref="UserInputException">No path, an unreadable checkpoint, or a file whose tensor names or shapes differ
    /// from the first file's (names the file and the tensor).</exception>
    public static Dictionary<string, Tensor> Average(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) throw new UserInputException("no checkpoint to average");
        var sums = new Dictionary<string, (int[] Shape, double[] Sum)>(StringComparer.Ordinal);
        string first = paths[0];
        long heap = GC.GetTotalMemory(false);
        for (int f = 0; f < paths.Count; f++)
        {
            if (f > 0) TensorPool.CollectPhaseGarbage(heap);   // the previous file's tensors (and optimizer state) are garbage
            var model = Checkpoint.Load(paths[f]).Model;
            if (f == 0)
            {
                foreach (var (k, t) in model) sums[k] = ((int[])t.Shape.Clone(), new double[t.Numel]);
            }
            else
            {
                if (model.Keys.FirstOrDefault(k => !sums.ContainsKey(k)) is { } extra)
                    throw new UserInputException(paths[f], null, $"tensor '{extra}' is not in {first}; only checkpoints of the same model can be averaged");
                if (sums.Keys.FirstOrDefault(k => !model.ContainsKey(k)) is { } missing)
                    throw new UserInputException(paths[f], null, $"tensor '{missing}' of {first} is missing; only checkpoints of the same model can be averaged");
            }
            foreach (var (k, (shape, sum)) in sums)
            {
                var t = model[k];
                if (!ShapeUtil.SameShape(t.Shape, shape))
                    throw new UserInputException(paths[f], null,
                        $"tensor '{k}' has shape {ShapeUtil.Format(t.Shape)} but {ShapeUtil.Format(shape)} in {first}; only checkpoints of the same model can be averaged");
                var values = t.ToArray();
                for (int i = 0; i < values.Length; i++) sum[i] += values[i];
            }
        }
        TensorPool.CollectPhaseGarbage(heap);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, (shape, sum)) in sums)
        {
            var mean = new float[sum.Length];
            for (int i = 0; i < sum.Length; i++) mean[i] = (float)(sum[i] / paths.Count);
            result[k] = Tensor.FromArray(mean, shape);
        }
        return result;
    }

    /// <summary>
    /// A model file of the averaged weights of <paramref name="paths"/> with the config, tokenizers and step of the
    /// last one (no optimizer state), written atomically to <paramref name="output"/>; loadable by <see cref="ModelStore.Load"/>.
    /// </summary>
    public static Checkpoint AverageToFile(IReadOnlyList<string> paths, string output)
    {
        var weights = Average(paths);
        var last = Checkpoint.Load(paths[^1]);
        var averaged = new Checkpoint
        {
            Model = weights,
            ConfigJson = last.ConfigJson,
            Vocabularies = last.Vocabularies,
            GlobalStep = last.GlobalStep,
            Extra = new Dictionary<string, string> { ["averaged_from"] = string.Join(",", paths.Select(Path.GetFileName)) },
        };
        averaged.Save(output);
        return averaged;
    }
}
