using System.CommandLine;
using System.Globalization;
using EncDec.Generation;
using EncDec.IO;
using EncDec.Text;

namespace EncDec.Cli;

/// <summary>
/// The classifier-guidance flags of <c>translate</c> (<c>--guide CLASSIFIER --guide-label L --guide-weight λ --guide-top-k K</c>)
/// and the <see cref="ClassifierGuidanceLogitsProcessor"/> they make.
/// </summary>
internal sealed record GuideOptions(string Classifier, string Label, float Weight, int TopK)
{
    /// <summary>The four options, bound together.</summary>
    internal sealed class Bound
    {
        public Option<string?> Guide { get; } = new("--guide") { Description = "Classifier run folder or model file (encdec classify-train) that steers decoding (FUDGE-style)" };
        public Option<string?> Label { get; } = new("--guide-label") { Description = "The classifier's label the outputs should have (with --guide)" };
        public Option<float> Weight { get; } = new("--guide-weight") { Description = "λ: each candidate scores log p(token) + λ·log p(label | prefix + token)", DefaultValueFactory = _ => 1f };
        public Option<int> TopK { get; } = new("--guide-top-k") { Description = "The base model's most likely tokens re-scored at each step (the rest are dropped)", DefaultValueFactory = _ => 10 };

        public IEnumerable<Option> Options => [Guide, Label, Weight, TopK];

        public GuideOptions? Read(ParseResult r)
        {
            var path = r.GetValue(Guide);
            var label = r.GetValue(Label);
            if (path is null)
            {
                if (label is not null) throw new UserInputException("--guide-label needs --guide CLASSIFIER");
                return null;
            }
            if (label is null) throw new UserInputException("--guide needs --guide-label (one of the classifier's labels)");
            return new GuideOptions(path, label, r.GetValue(Weight), r.GetValue(TopK));
        }
    }

    public static Bound Flags() => new();

    /// <summary>Checks the numbers before any model is loaded.</summary>
    public void Validate()
    {
        if (!(Weight >= 0) || !float.IsFinite(Weight)) throw new UserInputException($"--guide-weight must be a finite number ≥ 0, got {Weight.ToString(CultureInfo.InvariantCulture)}");
        if (TopK < 1) throw new UserInputException($"--guide-top-k must be at least 1, got {TopK}");
    }

    /// <summary>Loads the classifier and builds the processor; outputs are mapped to its tokens through text unless both share one tokenizer.</summary>
    public ILogitsProcessor Processor(ITokenizer target, int eosId)
    {
        var loaded = ModelStore.LoadClassifier(Classifier);
        int label = loaded.Classifier.LabelId(Label);
        if (label < 0) throw new UserInputException($"--guide-label: '{Label}' is not a label of {loaded.Path} ({string.Join(", ", loaded.Classifier.Labels)})");
        var tok = loaded.Tokenizer;
        Func<int[], int[]>? map = tok.ToJson() == target.ToJson() ? null : ids => tok.Encode(target.Decode(ids));
        return new ClassifierGuidanceLogitsProcessor(loaded.Classifier, label, Weight, TopK, eosId, map);
    }
}
