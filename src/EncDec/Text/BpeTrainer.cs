using System.Runtime.InteropServices;

namespace EncDec.Text;

/// <summary>BPE training: word counting, then merges over distinct words with an incremental pair index.</summary>
internal static class BpeTrainer
{
    private readonly record struct Priority(long Count, int Left, int Right);

    /// <summary>Higher count first; ties by ordinal order of the left token text, then the right.</summary>
    private sealed class PriorityComparer(List<string> tokens) : IComparer<Priority>
    {
        public int Compare(Priority x, Priority y)
        {
            if (x.Count != y.Count) return y.Count.CompareTo(x.Count);
            int c = string.CompareOrdinal(tokens[x.Left], tokens[y.Left]);
            return c != 0 ? c : string.CompareOrdinal(tokens[x.Right], tokens[y.Right]);
        }
    }

    private static long PairKey(int a, int b) => ((long)a << 32) | (uint)b;

    public static BpeTokenizer Train(IEnumerable<string> lines, int vocabSize, BpeOptions options)
    {
        // 1. Word (piece) frequencies.
        var wordCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = wordCounts.GetAlternateLookup<ReadOnlySpan<char>>();
        var pieces = new List<Piece>();
        var keyBuf = new char[256];
        foreach (var line in lines)
        {
            pieces.Clear();
            PreTokenizer.Split(line, pieces);
            foreach (var p in pieces)
            {
                var s = line.AsSpan(p.Start, p.Length);
                ReadOnlySpan<char> key;
                if (p.Kind == PieceKind.Whitespace && s[0] == ' ') key = PreTokenizer.MarkerString;
                else if (s.Contains(PreTokenizer.Marker)) continue; // literal marker: byte fallback at encode time
                else if (p.SpaceBefore)
                {
                    if (keyBuf.Length < s.Length + 1) keyBuf = new char[s.Length * 2 + 1];
                    keyBuf[0] = PreTokenizer.Marker;
                    s.CopyTo(keyBuf.AsSpan(1));
                    key = keyBuf.AsSpan(0, s.Length + 1);
                }
                else key = s;
                ref long c = ref CollectionsMarshal.GetValueRefOrAddDefault(lookup, key, out _);
                c++;
            }
        }

        // 2. Fixed head: specials, control tokens, bytes, marker.
        var vocabHead = Vocabulary.FromTokens([], options.ControlTokens);
        var tokens = new List<string>(vocabHead.Tokens);
        for (int b = 0; b < 256; b++) tokens.Add(BpeTokenizer.ByteToken((byte)b));
        int markerId = tokens.Count;
        tokens.Add(PreTokenizer.MarkerString);
        if (vocabSize < tokens.Count)
            throw new UserInputException($"BPE vocabulary size {vocabSize} is too small: at least {tokens.Count} tokens are reserved (specials, control tokens, 256 bytes, space marker)");
        var tokenIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++) tokenIds[tokens[i]] = i;
        int reservedCount = tokens.Count - 1; // everything before the marker can never be a merge result

        // 3. Alphabet: code points by weighted frequency (desc), then ordinal; as many as fit.
        var runeCounts = new Dictionary<int, long>();
        foreach (var (word, count) in wordCounts)
            foreach (var r in word.EnumerateRunes())
                if (r.Value != PreTokenizer.Marker)
                    CollectionsMarshal.GetValueRefOrAddDefault(runeCounts, r.Value, out _) += count;
        var alphabet = runeCounts
            .Select(kv => (Text: char.ConvertFromUtf32(kv.Key), kv.Value))
            .Where(x => !tokenIds.ContainsKey(x.Text))
            .OrderByDescending(x => x.Value).ThenBy(x => x.Text, StringComparer.Ordinal)
            .Take(vocabSize - tokens.Count).ToList();
        var runeIds = new Dictionary<int, int>();
        foreach (var (text, _) in alphabet)
        {
            runeIds[char.ConvertToUtf32(text, 0)] = tokens.Count;
            tokenIds[text] = tokens.Count;
            tokens.Add(text);
        }

        // 4. Distinct words as symbol arrays (-1 = not in the alphabet: breaks pairs).
        int nWords = wordCounts.Count;
        var words = new int[nWords][];
        var lens = new int[nWords];
        var counts = new long[nWords];
        {
            int w = 0;
            var tmp = new List<int>();
            foreach (var (word, count) in wordCounts)
            {
                tmp.Clear();
                foreach (var r in word.EnumerateRunes())
                    tmp.Add(r.Value == PreTokenizer.Marker ? markerId : runeIds.GetValueOrDefault(r.Value, -1));
                words[w] = tmp.ToArray();
                lens[w] = tmp.Count;
                counts[w] = count;
                w++;
            }
        }

        var pairCounts = new Dictionary<long, long>();
        var where = new Dictionary<long, List<int>>();
        for (int w = 0; w < nWords; w++)
        {
            var s = words[w];
            for (int i = 0; i + 1 < lens[w]; i++)
            {
                if (s[i] < 0 || s[i + 1] < 0) continue;
                long k = PairKey(s[i], s[i + 1]);
                CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, k, out _) += counts[w];
                ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(where, k, out _);
                (list ??= new List<int>(2)).Add(w);
            }
        }
        var heap = new PriorityQueue<long, Priority>(pairCounts.Count, new PriorityComparer(tokens));
        foreach (var (k, c) in pairCounts) heap.Enqueue(k, new Priority(c, (int)(k >> 32), (int)k));

        // 5. Merges.
        var merges = new List<BpeMerge>();
        var blocked = new HashSet<long>();
        var delta = new Dictionary<long, long>();
        var stamp = new int[nWords];
        Array.Fill(stamp, -1);
        int minFreq = Math.Max(1, options.MinFrequency);
        while (tokens.Count < vocabSize && heap.TryDequeue(out long key, out var pri))
        {
            if (!pairCounts.TryGetValue(key, out long cur) || blocked.Contains(key)) continue;
            if (cur != pri.Count) { heap.Enqueue(key, pri with { Count = cur }); continue; }
            if (cur < minFreq) break;
            int a = pri.Left, b = pri.Right;
            string mergedText = tokens[a] + tokens[b];
            if (tokenIds.TryGetValue(mergedText, out int c))
            {
                if (c < reservedCount) { blocked.Add(key); pairCounts.Remove(key); continue; } // would alias a byte/special token
            }
            else
            {
                c = tokens.Count;
                tokens.Add(mergedText);
                tokenIds[mergedText] = c;
            }
            int mergeIndex = merges.Count;
            merges.Add(new BpeMerge(a, b, c));

            delta.Clear();
            foreach (int w in where[key])
            {
                if (stamp[w] == mergeIndex) continue;
                stamp[w] = mergeIndex;
                var s = words[w];
                int n = lens[w];
                bool found = false;
                for (int i = 0; i + 1 < n; i++) if (s[i] == a && s[i + 1] == b) { found = true; break; }
                if (!found) continue;
                long wc = counts[w];
                for (int i = 0; i + 1 < n; i++)
                    if (s[i] >= 0 && s[i + 1] >= 0)
                        CollectionsMarshal.GetValueRefOrAddDefault(delta, PairKey(s[i], s[i + 1]), out _) -= wc;
                int j = 0;
                for (int i = 0; i < n;)
                {
                    if (i + 1 < n && s[i] == a && s[i + 1] == b) { s[j++] = c; i += 2; }
                    else s[j++] = s[i++];
                }
                n = lens[w] = j;
                for (int i = 0; i + 1 < n; i++)
                {
                    if (s[i] < 0 || s[i + 1] < 0) continue;
                    long k = PairKey(s[i], s[i + 1]);
                    CollectionsMarshal.GetValueRefOrAddDefault(delta, k, out _) += wc;
                    if (s[i] == c || s[i + 1] == c)
                    {
                        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(where, k, out _);
                        (list ??= new List<int>(2)).Add(w);
                    }
                }
            }
            where.Remove(key);
            pairCounts.Remove(key);
            foreach (var (k, d) in delta)
            {
                if (d == 0 || k == key) continue;
                ref long pc = ref CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, k, out _);
                pc += d;
                if (pc <= 0) { pairCounts.Remove(k); where.Remove(k); continue; }
                if (d > 0 && !blocked.Contains(k)) heap.Enqueue(k, new Priority(pc, (int)(k >> 32), (int)k));
            }
        }

        var vocab = Vocabulary.FromSaved(tokens, vocabHead.ControlCount);
        return BpeTokenizer.Create(vocab, merges, options);
    }
}
