using EncDec.Text;

namespace EncDec.Data;

/// <summary>Turning sentence pairs into filtered examples.</summary>
public static class Examples
{
    /// <summary>Tokenizes the pairs (streamed) and keeps those passing <paramref name="filter"/> (null = no filter).</summary>
    public static List<Example> Tokenize(IEnumerable<SentencePair> pairs, ITokenizer source, ITokenizer target,
        LengthFilter? filter = null, FilterStats? stats = null)
    {
        var list = new List<Example>();
        foreach (var p in pairs)
        {
            var ex = new Example(source.Encode(p.Source), target.Encode(p.Target));
            var reason = filter?.Check(ex.Src.Length, ex.Tgt.Length) ?? FilterReason.Kept;
            stats?.Add(reason);
            if (reason == FilterReason.Kept) list.Add(ex);
        }
        return list;
    }

    /// <summary>Filters already tokenized examples.</summary>
    public static IEnumerable<Example> Filter(IEnumerable<Example> examples, LengthFilter filter, FilterStats? stats = null)
    {
        foreach (var ex in examples)
        {
            var reason = filter.Check(ex.Src.Length, ex.Tgt.Length);
            stats?.Add(reason);
            if (reason == FilterReason.Kept) yield return ex;
        }
    }
}
