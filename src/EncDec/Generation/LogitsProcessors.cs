namespace EncDec.Generation;

/// <summary>
/// A hook that edits the next-token scores of one hypothesis in place (add a bias, a classifier score, mask
/// tokens with −∞). User processors run on the raw logits before the log-softmax; the built-in hard constraints
/// (bans, forcing) run on the log-probs after it, so masking never inflates the remaining tokens' scores.
/// </summary>
public interface ILogitsProcessor
{
    /// <param name="sourceIndex">The source sentence the hypothesis belongs to (beam rows of one source share it).</param>
    /// <param name="generatedSoFar">Output tokens so far (BOS excluded); its length is the current step.</param>
    /// <param name="logits">Scores over the vocabulary, edited in place.</param>
    void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits);
}

/// <summary>Divides the logits by a temperature (&lt; 1 sharpens, &gt; 1 flattens).</summary>
public sealed class TemperatureLogitsWarper(float temperature) : ILogitsProcessor
{
    public float Temperature { get; } = temperature > 0 ? temperature : throw new ArgumentOutOfRangeException(nameof(temperature));

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        if (Temperature != 1f) TensorPrimitives.Divide(logits, Temperature, logits);
    }
}

/// <summary>CTRL repetition penalty: for each distinct generated token, a positive logit is divided by the penalty and a negative one multiplied.</summary>
public sealed class RepetitionPenaltyLogitsProcessor(float penalty) : ILogitsProcessor
{
    public float Penalty { get; } = penalty > 0 ? penalty : throw new ArgumentOutOfRangeException(nameof(penalty));

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        for (int i = 0; i < generatedSoFar.Length; i++)
        {
            int t = generatedSoFar[i];
            if ((uint)t >= (uint)logits.Length || generatedSoFar[..i].Contains(t)) continue;  // once per distinct token
            float v = logits[t];
            logits[t] = v > 0 ? v / Penalty : v * Penalty;
        }
    }
}

/// <summary>Bans every token that would complete an n-gram already present in the output.</summary>
public sealed class NoRepeatNGramLogitsProcessor(int ngramSize) : ILogitsProcessor
{
    public int NGramSize { get; } = ngramSize > 0 ? ngramSize : throw new ArgumentOutOfRangeException(nameof(ngramSize));

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        int n = NGramSize, len = generatedSoFar.Length;
        if (len < n - 1) return;
        var prefix = generatedSoFar[(len - (n - 1))..];
        for (int i = 0; i + n <= len; i++)
            if (generatedSoFar.Slice(i, n - 1).SequenceEqual(prefix))
            {
                int t = generatedSoFar[i + n - 1];
                if ((uint)t < (uint)logits.Length) logits[t] = float.NegativeInfinity;
            }
    }
}

/// <summary>Bans the last token of each banned sequence whose other tokens end the output (a length-1 sequence is always banned).</summary>
public sealed class BannedSequencesLogitsProcessor(IReadOnlyList<int[]> sequences) : ILogitsProcessor
{
    public IReadOnlyList<int[]> Sequences { get; } = sequences;

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        foreach (var s in Sequences)
        {
            if (s.Length == 0 || (uint)s[^1] >= (uint)logits.Length) continue;
            if (generatedSoFar.EndsWith(s.AsSpan(0, s.Length - 1))) logits[s[^1]] = float.NegativeInfinity;
        }
    }
}

/// <summary>Bans EOS until <see cref="MinLength"/> tokens have been generated.</summary>
public sealed class MinLengthLogitsProcessor(int minLength, int eosId) : ILogitsProcessor
{
    public int MinLength { get; } = minLength;
    public int EosId { get; } = eosId;

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        if (generatedSoFar.Length < MinLength) logits[EosId] = float.NegativeInfinity;
    }
}

/// <summary>Forces the first tokens of every output: at step t &lt; prefix length only prefix[t] keeps its score.</summary>
public sealed class ForcedPrefixLogitsProcessor(IReadOnlyList<int> prefix) : ILogitsProcessor
{
    public IReadOnlyList<int> Prefix { get; } = prefix;

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        int step = generatedSoFar.Length;
        if (step >= Prefix.Count) return;
        KeepOnly(logits, Prefix[step]);
    }

    /// <summary>Sets every score but <paramref name="token"/>'s to −∞.</summary>
    internal static void KeepOnly(Span<float> logits, int token)
    {
        float keep = logits[token];
        logits.Fill(float.NegativeInfinity);
        logits[token] = keep;
    }
}

/// <summary>Bans fixed token ids (PAD and BOS during generation).</summary>
public sealed class SuppressTokensLogitsProcessor(IReadOnlyList<int> tokens) : ILogitsProcessor
{
    public IReadOnlyList<int> Tokens { get; } = tokens;

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        foreach (var t in Tokens) if ((uint)t < (uint)logits.Length) logits[t] = float.NegativeInfinity;
    }
}
