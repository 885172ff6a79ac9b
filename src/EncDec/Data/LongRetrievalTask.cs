using EncDec.Text;

namespace EncDec.Data;

/// <summary>
/// A long-input retrieval task: the source starts with a query <c>QUERY key</c>, followed by a document of filler
/// symbols in which <see cref="LongRetrievalOptions.Records"/> records <c>RECORD key value…</c> are buried; the
/// asked-for record always lies in the second half, thousands of positions from its query. The target is that
/// record's values (with <see cref="LongRetrievalOptions.EchoKey"/>, the key and then its values). Solving it needs attention across the whole document: global tokens on the query (sliding
/// window with <c>attention_global_tokens ≥ 2</c>) or exact chunked attention.
/// <para>Ids (after the <see cref="Vocabulary.SpecialCount"/> specials): QUERY, RECORD, then the keys, values and
/// fillers in that order; <see cref="VocabSize"/> is the model's vocabulary size for both sides.</para>
/// </summary>
public static class LongRetrievalTask
{
    public const int QueryId = Vocabulary.SpecialCount, RecordId = Vocabulary.SpecialCount + 1;

    public static int KeyId(LongRetrievalOptions o, int key) => Vocabulary.SpecialCount + 2 + key;
    public static int ValueId(LongRetrievalOptions o, int value) => Vocabulary.SpecialCount + 2 + o.Keys + value;
    public static int FillerId(LongRetrievalOptions o, int filler) => Vocabulary.SpecialCount + 2 + o.Keys + o.Values + filler;
    public static int VocabSize(LongRetrievalOptions o) => Vocabulary.SpecialCount + 2 + o.Keys + o.Values + o.Fillers;

    /// <summary><paramref name="count"/> examples, deterministic in <paramref name="seed"/>.</summary>
    public static List<Example> Generate(int count, int seed, LongRetrievalOptions? options = null)
    {
        var o = options ?? new LongRetrievalOptions();
        int recLen = 2 + o.ValueLength;
        if (o.Records < 1 || o.Keys < o.Records || o.Values < 1 || o.Fillers < 1 || o.ValueLength < 1)
            throw new ArgumentException("long retrieval task: need records ≥ 1, keys ≥ records, values, fillers and value length ≥ 1");
        if (o.MinLength > o.MaxLength || o.MinLength < 2 + 2 * o.Records * recLen)
            throw new ArgumentException($"long retrieval task: lengths {o.MinLength}–{o.MaxLength} cannot hold {o.Records} records of {recLen} symbols");
        var rng = new Random(seed);
        var list = new List<Example>(count);
        for (int e = 0; e < count; e++)
        {
            int len = rng.Next(o.MinLength, o.MaxLength + 1), doc = len - 2;
            var src = new int[len];
            for (int i = 2; i < len; i++) src[i] = FillerId(o, rng.Next(o.Fillers));
            var keys = Enumerable.Range(0, o.Keys).OrderBy(_ => rng.Next()).Take(o.Records).ToArray();
            // record slots: the asked-for record (index 0) in the second half, the others anywhere, never overlapping
            int slots = doc / recLen, half = slots / 2;
            var used = new HashSet<int>();
            int lead = o.EchoKey ? 1 : 0;
            var tgt = new int[lead + o.ValueLength];
            for (int r = 0; r < o.Records; r++)
            {
                int slot;
                do slot = r == 0 ? half + rng.Next(slots - half) : rng.Next(slots); while (!used.Add(slot));
                int at = 2 + slot * recLen;
                src[at] = RecordId; src[at + 1] = KeyId(o, keys[r]);
                for (int v = 0; v < o.ValueLength; v++)
                {
                    int val = ValueId(o, rng.Next(o.Values));
                    src[at + 2 + v] = val;
                    if (r == 0) tgt[lead + v] = val;
                }
            }
            src[0] = QueryId; src[1] = KeyId(o, keys[0]);
            if (o.EchoKey) tgt[0] = src[1];
            list.Add(new Example(src, tgt));
        }
        return list;
    }
}
