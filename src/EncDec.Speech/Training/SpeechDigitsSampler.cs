using EncDec.Speech.Audio;
using EncDec.Tensors;

namespace EncDec.Speech.Training;

/// <summary>
/// Training batches of the spoken-digits recipe: each utterance a random clip, with
/// <see cref="SpeechDigitsOptions.ConcatChance"/> joined with a second one when the two hold at most four digits
/// together, then frequency-warped and SpecAugmented. With <see cref="SpeechDigitsOptions.BucketBatches"/> k &gt; 1,
/// k batches' worth are drawn at once, sorted by length and cut into k batches served in random order, so a batch
/// pads its rows to similar lengths (every utterance is still drawn the same way; only who shares a batch changes).
/// </summary>
public sealed class SpeechDigitsSampler(IReadOnlyList<SpeechExample> train, SpeechDigitsOptions options, Rng rng)
{
    private readonly Queue<SpeechExample[]> _ready = new();

    public IReadOnlyList<SpeechExample> Next(int n)
    {
        if (_ready.Count == 0) Refill(n);
        return _ready.Dequeue();
    }

    private void Refill(int n)
    {
        int k = Math.Max(1, options.BucketBatches);
        var pool = new SpeechExample[k * n];
        for (int i = 0; i < pool.Length; i++) pool[i] = Draw();
        if (k == 1) { _ready.Enqueue(pool); return; }
        var sorted = pool.OrderBy(e => e.Frames).ToArray();
        var order = Enumerable.Range(0, k).ToArray();
        for (int i = k - 1; i > 0; i--) { int j = rng.NextInt(i + 1); (order[i], order[j]) = (order[j], order[i]); }
        foreach (int b in order) _ready.Enqueue(sorted.AsSpan(b * n, n).ToArray());
    }

    private SpeechExample Draw()
    {
        int mels = LogMelSpectrogram.DefaultMels;
        var e = train[rng.NextInt(train.Count)];
        if (rng.NextDouble() < options.ConcatChance)
        {
            var f = train[rng.NextInt(train.Count)];
            if (e.Text.Split(' ').Length + f.Text.Split(' ').Length <= 4) e = SpeechFeatures.Concat(e, f, mels);
        }
        return e with { Mel = options.Augment.Apply(options.Warp.Apply(e.Mel, mels, rng), mels, rng) };
    }
}
