using EncDec.IO;

namespace EncDec.Cli;

/// <summary>How <c>info</c> and <c>translate</c> describe a model whose weights hold NaN or infinite values.</summary>
internal static class ModelHealth
{
    /// <summary>"3 of 12 weight tensors hold NaN or infinite values (first: encoder.layers.0.linear1.weight)", or "finite" for a sound model.</summary>
    public static string Describe(LoadedModel m)
    {
        var bad = m.NonFiniteTensors;
        if (bad.Count == 0) return "all finite";
        int total = m.Model.StateDict().Count;
        return $"{bad.Count} of {total} weight tensors hold NaN or infinite values (first: {bad[0]})";
    }
}
