using EncDec.Autograd;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Models;

/// <summary>
/// A text classifier: an <see cref="EncoderOnlyModel"/> (the MLM encoder, so a pretrained encoder can start it) whose
/// classification head reads the first position, where the input carries a BOS token as its [CLS] (the id comes from the
/// vocabulary). Class names are the config's <see cref="ModelConfig.ClassLabels"/>. Built from the one config: family
/// <see cref="ModelFamily.EncoderOnly"/> with <see cref="ModelConfig.NumClasses"/> &gt; 0.
/// </summary>
public sealed class SequenceClassifier
{
    public EncoderOnlyModel Model { get; }
    public ModelConfig Config { get; }
    public IReadOnlyList<string> Labels { get; }
    public int NumClasses => Config.NumClasses;
    /// <summary>The longest input (tokens, without the [CLS]) the positions allow; longer inputs keep their first tokens.</summary>
    public int MaxTokens => Config.MaxPositions - 1;

    public SequenceClassifier(EncoderOnlyModel model, ModelConfig config)
    {
        if (config.NumClasses < 1 || model.Classifier is null) throw new ArgumentException("a classifier needs a classification head (num_classes > 0)", nameof(config));
        Model = model; Config = config;
        Labels = config.ClassLabels is { } l && l.Count == config.NumClasses
            ? l : Enumerable.Range(0, config.NumClasses).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>A new, untrained classifier of <paramref name="config"/> (encoder-only with a head).</summary>
    public static SequenceClassifier Build(ModelConfig config)
    {
        if (config.Family != ModelFamily.EncoderOnly || config.NumClasses < 1)
            throw new ArgumentException("a sequence classifier is an encoder-only model with num_classes > 0", nameof(config));
        return new SequenceClassifier(ModelFactory.BuildMaskedLm(config), config);
    }

    /// <summary>The class id of <paramref name="label"/>, or −1.</summary>
    public int LabelId(string label)
    {
        for (int i = 0; i < Labels.Count; i++) if (string.Equals(Labels[i], label, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>Class logits (B, C) of token sequences (no BOS/EOS; [CLS] is prepended here).</summary>
    public Tensor Logits(IReadOnlyList<int[]> sequences)
    {
        var rows = sequences.Select(s => Input(s)).ToArray();
        var ids = Padding.PadRows(rows, Config.PadId, out _);             // (B, S)
        return Model.ClassLogits(ids, rows.Select(r => r.Length).ToArray());   // (B, C)
    }

    /// <summary>Mean cross-entropy of the sequences' classes.</summary>
    public Tensor Loss(IReadOnlyList<int[]> sequences, int[] labels)
        => F.CrossEntropy(Logits(sequences), new IndexTensor(labels, labels.Length));   // logits (B, C), labels (B)

    /// <summary>log p(class | sequence) as (B × C) row-major, without gradients (the model must be in eval mode for determinism).</summary>
    public float[] LogProbs(IReadOnlyList<int[]> sequences)
    {
        using var noGrad = GradMode.NoGrad();
        using var scope = TensorScope.Begin();
        return Logits(sequences).LogSoftmax(-1).ToArray();                // (B, C)
    }

    /// <summary>The most likely class of each sequence.</summary>
    public int[] Predict(IReadOnlyList<int[]> sequences)
    {
        var lp = LogProbs(sequences);
        int c = NumClasses;
        var best = new int[sequences.Count];
        for (int i = 0; i < best.Length; i++)
        {
            int arg = 0;
            for (int j = 1; j < c; j++) if (lp[i * c + j] > lp[i * c + arg]) arg = j;
            best[i] = arg;
        }
        return best;
    }

    private int[] Input(int[] tokens)
    {
        int n = Math.Min(tokens.Length, MaxTokens);
        var row = new int[n + 1];
        row[0] = Vocabulary.BosId;                                         // the [CLS] position
        Array.Copy(tokens, 0, row, 1, n);
        return row;
    }
}
