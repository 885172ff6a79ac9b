using EncDec.Text;

namespace EncDec.Generation;

/// <summary>
/// Immutable decoding settings (HF/fairseq vocabulary). A hypothesis always ends with EOS: at step
/// <see cref="EffectiveMaxLength"/> every token but EOS is masked, so outputs have at most that many tokens
/// (excluding BOS/EOS). Scores are sums of log-probabilities under the processed distribution
/// (processors → temperature → hard masks → log-softmax), EOS included.
/// </summary>
public sealed record GenerationOptions
{
    public DecodingStrategy Strategy { get; init; } = DecodingStrategy.Greedy;
    /// <summary>Beams per sentence (beam search).</summary>
    public int BeamSize { get; init; } = 4;
    /// <summary>Hypotheses returned per source (≤ BeamSize for beam search; independent draws for sampling; 1 for greedy).</summary>
    public int NBest { get; init; } = 1;
    /// <summary>GNMT length penalty α: normalized score = score / ((5 + |Y|) / 6)^α with |Y| counting EOS. 0 = none.</summary>
    public float LengthPenalty { get; init; }
    /// <summary>
    /// Beam search stopping rule. False (default): a sentence stops when it has BeamSize finished hypotheses and no
    /// live hypothesis can still reach a better normalized score than the worst of them (an upper bound using
    /// log-probs ≤ 0 and the maximum length), or when no live hypothesis remains. True: stop as soon as BeamSize
    /// hypotheses have finished (fairseq/HF <c>early_stopping=True</c>).
    /// </summary>
    public bool EarlyStopping { get; init; }
    /// <summary>Absolute maximum output length (tokens excluding BOS/EOS); combined with A·srcLen + B by minimum.</summary>
    public int? MaxLength { get; init; }
    public float MaxLengthA { get; init; }
    public int MaxLengthB { get; init; } = 200;
    /// <summary>EOS is banned until this many tokens have been generated.</summary>
    public int MinLength { get; init; }
    public float Temperature { get; init; } = 1f;
    /// <summary>Sampling: keep the k most likely tokens (0 = off).</summary>
    public int TopK { get; init; }
    /// <summary>Sampling: nucleus mass (1 = off).</summary>
    public float TopP { get; init; } = 1f;
    /// <summary>Sampling: locally typical mass (1 = off).</summary>
    public float TypicalP { get; init; } = 1f;
    /// <summary>Sampling: keep tokens with p ≥ MinP · p_max (0 = off).</summary>
    public float MinP { get; init; }
    /// <summary>CTRL repetition penalty (1 = off): positive logits of generated tokens are divided by it, negative multiplied.</summary>
    public float RepetitionPenalty { get; init; } = 1f;
    /// <summary>No n-gram of this size may occur twice in an output (0 = off).</summary>
    public int NoRepeatNgramSize { get; init; }
    public ulong Seed { get; init; }
    /// <summary>Return (T_out × S) source attention per hypothesis (T_out counts the EOS step).</summary>
    public bool ReturnAttention { get; init; }
    /// <summary>Return one log-prob per output token plus one for EOS.</summary>
    public bool ReturnTokenLogProbs { get; init; }
    /// <summary>The special ids default to the vocabulary's (<see cref="Vocabulary"/>); a model with other ids sets them.</summary>
    public int BosId { get; init; } = Vocabulary.BosId;
    public int EosId { get; init; } = Vocabulary.EosId;
    public int PadId { get; init; } = Vocabulary.PadId;
    /// <summary>Every output starts with these tokens.</summary>
    public IReadOnlyList<int> ForcedPrefix { get; init; } = Array.Empty<int>();
    /// <summary>Token sequences that never appear in an output.</summary>
    public IReadOnlyList<int[]> BannedSequences { get; init; } = Array.Empty<int[]>();
    /// <summary>Phrases that must each appear in every output (beam search only; dynamic beam allocation).</summary>
    public IReadOnlyList<int[]> RequiredPhrases { get; init; } = Array.Empty<int[]>();
    /// <summary>User processors, applied to the logits after the repetition penalty and before temperature.</summary>
    public IReadOnlyList<ILogitsProcessor> LogitsProcessors { get; init; } = Array.Empty<ILogitsProcessor>();

    /// <summary>Maximum number of output tokens (excluding EOS) for a source of <paramref name="sourceLength"/> tokens.</summary>
    public int EffectiveMaxLength(int sourceLength)
    {
        long rel = (long)Math.Floor(MaxLengthA * sourceLength) + MaxLengthB;
        long max = MaxLength is { } m ? Math.Min(m, rel) : rel;
        int need = ForcedPrefix.Count + RequiredPhrases.Sum(p => p.Length);
        max = Math.Max(max, Math.Max(need, MinLength));
        return (int)Math.Clamp(max, 0, 1 << 20);
    }

    /// <summary>
    /// Checks every setting that does not depend on a vocabulary (ranges and combinations), before any model is loaded
    /// or any file written.
    /// </summary>
    /// <exception cref="InvalidSettingException">The first bad setting, named by its property.</exception>
    public void Validate()
    {
        if (Problems().FirstOrDefault() is ({ } setting, { } problem)) throw new InvalidSettingException(setting, problem);
    }

    /// <summary>The settings <see cref="Validate()"/> rejects: (property name, what is wrong), in declaration order.</summary>
    public IEnumerable<(string Setting, string Problem)> Problems()
    {
        static string G(float v) => v.ToString("G", System.Globalization.CultureInfo.InvariantCulture);
        if (BeamSize < 1) yield return (nameof(BeamSize), $"must be at least 1, got {BeamSize}");
        if (NBest < 1) yield return (nameof(NBest), $"must be at least 1, got {NBest}");
        if (Strategy == DecodingStrategy.Beam && NBest > BeamSize) yield return (nameof(NBest), $"{NBest} needs a beam of at least {NBest} (beam {BeamSize})");
        if (Strategy == DecodingStrategy.Greedy && NBest != 1) yield return (nameof(NBest), $"greedy decoding returns one hypothesis, not {NBest}: use beam search or sampling");
        if (RequiredPhrases.Count > 0 && Strategy != DecodingStrategy.Beam)
            yield return (nameof(RequiredPhrases), $"need beam search, not {Strategy.ToString().ToLowerInvariant()} decoding");
        if (MaxLength is < 0) yield return (nameof(MaxLength), $"must not be negative, got {MaxLength}");
        if (MinLength < 0) yield return (nameof(MinLength), $"must not be negative, got {MinLength}");
        if (!(Temperature > 0) || float.IsInfinity(Temperature)) yield return (nameof(Temperature), $"must be a finite number greater than 0, got {G(Temperature)}");
        if (TopK < 0) yield return (nameof(TopK), $"must not be negative (0 = off), got {TopK}");
        if (!(TopP > 0 && TopP <= 1)) yield return (nameof(TopP), $"must be in (0, 1] (1 = off), got {G(TopP)}");
        if (!(TypicalP > 0 && TypicalP <= 1)) yield return (nameof(TypicalP), $"must be in (0, 1] (1 = off), got {G(TypicalP)}");
        if (!(MinP >= 0 && MinP <= 1)) yield return (nameof(MinP), $"must be in [0, 1] (0 = off), got {G(MinP)}");
        if (!(RepetitionPenalty > 0) || float.IsInfinity(RepetitionPenalty)) yield return (nameof(RepetitionPenalty), $"must be a finite number greater than 0 (1 = off), got {G(RepetitionPenalty)}");
        if (NoRepeatNgramSize < 0) yield return (nameof(NoRepeatNgramSize), $"must not be negative (0 = off), got {NoRepeatNgramSize}");
        if (!float.IsFinite(LengthPenalty)) yield return (nameof(LengthPenalty), $"must be a finite number, got {G(LengthPenalty)}");
    }

    /// <summary>Throws <see cref="ArgumentException"/> on inconsistent settings (<see cref="Problems"/>, then ids against the vocabulary).</summary>
    public void Validate(int vocabSize)
    {
        if (Problems().FirstOrDefault() is ({ } setting, { } problem)) throw new ArgumentException($"{setting}: {problem}");
        foreach (var id in new[] { BosId, EosId, PadId })
            if ((uint)id >= (uint)vocabSize) throw new ArgumentException($"special id {id} outside the vocabulary of {vocabSize}");
        foreach (var t in ForcedPrefix)
            if ((uint)t >= (uint)vocabSize || t == EosId || t == PadId || t == BosId) throw new ArgumentException($"invalid forced prefix token {t}");
        foreach (var s in BannedSequences)
            if (s is null || s.Length == 0 || s.Any(t => (uint)t >= (uint)vocabSize)) throw new ArgumentException("banned sequences must be non-empty and in the vocabulary");
        foreach (var p in RequiredPhrases)
            if (p is null || p.Length == 0 || p.Any(t => (uint)t >= (uint)vocabSize || t == EosId || t == PadId || t == BosId))
                throw new ArgumentException("required phrases must be non-empty and contain no special tokens");
    }
}
