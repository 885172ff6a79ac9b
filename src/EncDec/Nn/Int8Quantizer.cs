namespace EncDec.Nn;

/// <summary>Switches the Linear layers of a model to int8 inference (<see cref="Linear.Int8"/>).</summary>
public static class Int8Quantizer
{
    /// <summary>
    /// Quantises every <see cref="Linear"/> of <paramref name="model"/> except those named in <paramref name="keepFloat"/>
    /// (state-dict prefixes, e.g. the output projection <c>generator</c>) and layers whose weight is shared with an
    /// embedding (a tied output layer). Returns the number of layers quantised. Training (grad mode) still uses the floats.
    /// </summary>
    public static int Quantize(Module model, params string[] keepFloat) => Quantize(model, false, keepFloat);

    /// <summary>
    /// <see cref="Quantize(Module, string[])"/>; with <paramref name="tiedOutput"/> a tied output layer runs on int8 too (an
    /// int8 copy of the shared matrix; the embedding keeps reading the floats), for in-memory inference only.
    /// </summary>
    public static int Quantize(Module model, bool tiedOutput, params string[] keepFloat)
    {
        var embeddings = new HashSet<object>(model.NamedModules().Select(m => m.Module).OfType<Embedding>().Select(e => (object)e.Weight.Storage),
                                             ReferenceEqualityComparer.Instance);
        int n = 0;
        foreach (var (name, m) in model.NamedModules())
        {
            if (m is not Linear lin || IsKeptFloat(name, keepFloat)) continue;
            if (!tiedOutput && embeddings.Contains(lin.Weight.Storage)) continue;
            lin.Int8 = Int8Weight.Quantize(lin.Weight);
            n++;
        }
        return n;
    }

    /// <summary>Whether the module <paramref name="name"/> is named by one of the state-dict prefixes in <paramref name="keepFloat"/> (itself or under it).</summary>
    public static bool IsKeptFloat(string name, IEnumerable<string> keepFloat)
        => keepFloat.Any(k => name == k || name.StartsWith(k + ".", StringComparison.Ordinal));

    /// <summary>Only the tied output layers (weight shared with an embedding) to int8; returns how many.</summary>
    public static int QuantizeTiedOutput(Module model)
    {
        var embeddings = new HashSet<object>(model.NamedModules().Select(m => m.Module).OfType<Embedding>().Select(e => (object)e.Weight.Storage),
                                             ReferenceEqualityComparer.Instance);
        int n = 0;
        foreach (var (_, m) in model.NamedModules())
            if (m is Linear lin && embeddings.Contains(lin.Weight.Storage)) { lin.Int8 = Int8Weight.Quantize(lin.Weight); n++; }
        return n;
    }
}
