using System.Text.Json;
using EncDec.Tensors;

namespace EncDec.Bench;

/// <summary>
/// What is alive at a training step's peak (after forward and the loss, before backward): the bytes of each recorded
/// op's output, summed by op name, against all the bytes the step's scope holds (<see cref="TensorPool.LiveBytes"/>);
/// the difference is what no op output accounts for (dropout masks, saved copies, scratch buffers captured by
/// backward closures). Used by <c>realtrain --profile --census</c>.
/// </summary>
public static class LiveCensus
{
    public static void Print(Tensor loss, string label)
    {
        var byName = new Dictionary<string, (long Bytes, int Count)>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var storages = new HashSet<Storage>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Tensor>();
        stack.Push(loss);
        seen.Add(loss);
        long outputs = 0;
        while (stack.Count > 0)
        {
            var t = stack.Pop();
            if (t.GradFn is null) continue;
            if (t.OwnsStorage && t.Storage.Tracked && !t.Storage.IsReleased && storages.Add(t.Storage))
            {
                long b = 4L * t.Storage.Array.Length;
                outputs += b;
                byName.TryGetValue(t.GradFn.Name, out var e);
                byName[t.GradFn.Name] = (e.Bytes + b, e.Count + 1);
            }
            foreach (var i in t.GradFn.Inputs) if (seen.Add(i)) stack.Push(i);
        }
        var row = new Dictionary<string, object>
        {
            ["census"] = label, ["live_mib"] = Math.Round(TensorPool.LiveBytes / 1048576.0, 1),
            ["op_outputs_mib"] = Math.Round(outputs / 1048576.0, 1),
            ["other_mib"] = Math.Round((TensorPool.LiveBytes - outputs) / 1048576.0, 1),
        };
        foreach (var (name, (bytes, count)) in byName.OrderByDescending(kv => kv.Value.Bytes).Take(25))
            row[name] = $"{bytes / 1048576.0:F1} MiB x{count}";
        Console.WriteLine(JsonSerializer.Serialize(row));
    }
}
