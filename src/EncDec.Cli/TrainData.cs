using System.Collections;
using EncDec.Data;
using EncDec.Pipelines;
using EncDec.Text;

namespace EncDec.Cli;

/// <summary>
/// The tokenizers and examples of a training run: from plain text files (read and tokenized in memory — fine for small
/// corpora) or from a folder written by <c>encdec preprocess</c> (<c>--data</c>: memory-mapped token shards, bounded
/// memory). Either way the run folder gets source.tokenizer.json and target.tokenizer.json. Dispose to unmap the shards.
/// </summary>
internal sealed class TrainData : IDisposable
{
    /// <summary>
    /// The validation examples and, aligned with them, the untokenised reference lines they are scored against (as
    /// <c>encdec eval</c> scores a translation of the whole file). Only pairs longer than the model can take are left out.
    /// </summary>
    internal static (List<Example> Examples, List<string> References) ValidationSet(List<SentencePair> pairs, ITokenizer src, ITokenizer tgt,
                                                                                 int maxTokens, bool lm, Ui ui)
    {
        var (examples, refs) = new Seq2SeqPipeline(src, tgt).ValidationSet(pairs, maxTokens, lm);
        if (examples.Count < pairs.Count) ui.Line($"left out {pairs.Count - examples.Count} validation pairs longer than {maxTokens} tokens");
        return (examples, refs);
    }

    private readonly IDisposable? _owner;

    private TrainData(ITokenizer src, ITokenizer tgt, IReadOnlyList<Example> train, IReadOnlyList<Example> valid, IDisposable? owner)
    {
        Source = src; Target = tgt; Train = train; Valid = valid; _owner = owner;
    }

    public ITokenizer Source { get; }
    public ITokenizer Target { get; }
    public IReadOnlyList<Example> Train { get; }
    /// <summary>Validation examples (empty when there are none).</summary>
    public IReadOnlyList<Example> Valid { get; }

    public void Dispose() => _owner?.Dispose();

    private static (string Src, string Tgt) RunTokenizerPaths(TrainSpec s)
        => (Path.Combine(s.Out, CorpusManifest.SourceTokenizerFile), Path.Combine(s.Out, CorpusManifest.TargetTokenizerFile));

    /// <summary>The length filter of <c>--max-length</c>, the same for text files and for preprocessing.</summary>
    internal static LengthFilter Filter(int maxLength) => new() { MaxSrcTokens = maxLength, MaxTgtTokens = maxLength };

    /// <summary>
    /// Tokenizers from the given files (either one alone serves both sides), else trained on <paramref name="pairs"/> —
    /// streamed, so a corpus on disk is never held in memory (training counts words).
    /// </summary>
    internal static (ITokenizer Src, ITokenizer Tgt) ResolveTokenizers(string? srcFile, string? tgtFile, TokenizerKind kind, int vocabSize,
                                                                      bool joint, IEnumerable<SentencePair> pairs, Ui ui)
    {
        if (srcFile is not null || tgtFile is not null)
            return (Tokenizer.Load(srcFile ?? tgtFile!), Tokenizer.Load(tgtFile ?? srcFile!));
        if (joint)
        {
            ui.Line($"training a joint {kind.ToString().ToLowerInvariant()} tokenizer ({vocabSize} tokens)");
            var t = Tokenizer.Train(kind, ParallelCorpus.Sentences(pairs, CorpusSide.Both), vocabSize);
            return (t, t);
        }
        return (Tokenizer.Train(kind, ParallelCorpus.Sentences(pairs, CorpusSide.Source), vocabSize),
                Tokenizer.Train(kind, ParallelCorpus.Sentences(pairs, CorpusSide.Target), vocabSize));
    }

    /// <summary>The tokenizers and examples of a folder written by <c>encdec preprocess</c>, saving the tokenizers into the run folder.</summary>
    public static TrainData FromFolder(TrainSpec s, Ui ui, bool resume)
    {
        if (s.TrainSrc is not null || s.TrainTgt is not null)
            throw new UserInputException("--data: give either --data or --train-src/--train-tgt, not both");
        if (s.SrcTokenizer is not null || s.TgtTokenizer is not null)
            throw new UserInputException("--data: the preprocessed corpus brings its own tokenizers; drop --src-tokenizer/--tgt-tokenizer");
        var corpus = PreprocessedCorpus.Open(s.Data!);
        try
        {
            var (src, tgt) = (corpus.Source, corpus.Target);
            var (srcPath, tgtPath) = RunTokenizerPaths(s);
            if (resume)
                foreach (var (path, tok) in new[] { (srcPath, src), (tgtPath, tgt) })
                    if (File.Exists(path) && Tokenizer.Load(path).ToJson() != tok.ToJson())
                        throw new UserInputException(path, null, $"the run was started with another tokenizer than {s.Data}'s: use another --out or --fresh");
            CliPaths.CreateRunFolder(s.Out, "--out");
            src.Save(srcPath); tgt.Save(tgtPath);

            // --max-length may be stricter than the filter used at preprocessing: apply it through an index view.
            var filter = Filter(s.MaxLength);
            IReadOnlyList<Example> train = FilteredExamples.Apply(corpus.Train, filter, out long dropped);
            if (train.Count == 0) throw new UserInputException($"{s.Data}: no training pair is within --max-length {s.MaxLength} tokens");
            IReadOnlyList<Example> valid;
            long validCount;
            if (s.ValidSrc is not null && s.ValidTgt is not null)
            {
                var list = Examples.Tokenize(ParallelCorpus.FromFiles(s.ValidSrc, s.ValidTgt), src, tgt, filter);
                valid = list; validCount = list.Count;
            }
            else if (corpus.Valid is not null) { valid = FilteredExamples.Apply(corpus.Valid, filter, out _); validCount = valid.Count; }
            else { valid = Array.Empty<Example>(); validCount = 0; }
            ui.Line($"corpus: {train.Count} training pairs, {validCount} validation pairs (preprocessed: {s.Data})");
            if (dropped > 0) ui.Line($"dropped {dropped} training pairs outside the length limits");
            return new TrainData(src, tgt, train, valid, corpus);
        }
        catch { corpus.Dispose(); throw; }
    }
}

/// <summary>
/// The examples of a disk-backed list that pass a length filter, as an index view (4 bytes per kept example);
/// the list itself is returned when the filter drops nothing, so the usual case costs no memory.
/// </summary>
internal sealed class FilteredExamples : IReadOnlyList<Example>, IExampleLengths
{
    private readonly IReadOnlyList<Example> _inner;
    private readonly IExampleLengths _lengths;
    private readonly int[] _keep;

    private FilteredExamples(IReadOnlyList<Example> inner, IExampleLengths lengths, int[] keep) { _inner = inner; _lengths = lengths; _keep = keep; }

    public static IReadOnlyList<Example> Apply<T>(T examples, LengthFilter filter, out long dropped) where T : IReadOnlyList<Example>, IExampleLengths
    {
        int kept = 0;
        for (int i = 0; i < examples.Count; i++) if (Passes(examples, i, filter)) kept++;
        dropped = examples.Count - kept;
        if (dropped == 0) return examples;
        var keep = new int[kept];
        for (int i = 0, k = 0; i < examples.Count; i++) if (Passes(examples, i, filter)) keep[k++] = i;
        return new FilteredExamples(examples, examples, keep);
    }

    private static bool Passes(IExampleLengths l, int i, LengthFilter f) => f.Check(l.SrcLength(i), l.TgtLength(i)) == FilterReason.Kept;

    public Example this[int index] => _inner[_keep[index]];
    public int Count => _keep.Length;
    public int SrcLength(int index) => _lengths.SrcLength(_keep[index]);
    public int TgtLength(int index) => _lengths.TgtLength(_keep[index]);
    public IEnumerator<Example> GetEnumerator() { foreach (int i in _keep) yield return _inner[i]; }
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
