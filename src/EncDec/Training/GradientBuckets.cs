using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>
/// Averages parameter gradients over a data-parallel group in buckets of about <see cref="BucketBytes"/>, each started
/// as soon as backward has finished every gradient in it, so communication overlaps the rest of backward.
/// Buckets are fixed when the object is made — parameters in reverse registration order, which is roughly the order
/// backward finishes them — and always start in bucket order, so every rank issues the same reductions in the same
/// order whatever order its gradients become ready in (PyTorch DistributedDataParallel buckets the same way).
/// </summary>
public sealed class GradientBuckets
{
    /// <summary>Default bucket size: big enough that per-call latency is small, small enough that the first bucket
    /// starts early in backward.</summary>
    public const int DefaultBucketBytes = 4 << 20;

    private readonly IDataParallel _group;
    private readonly Tensor[] _params;                       // bucket order
    private readonly Dictionary<Tensor, int> _indexOf = new(ReferenceEqualityComparer.Instance);
    private readonly Bucket[] _buckets;
    private readonly int[] _bucketOf;                        // parameter index → bucket
    private int _nextLaunch;

    /// <summary>Bucket size in bytes.</summary>
    public int BucketBytes { get; }
    /// <summary>Number of buckets.</summary>
    public int Count => _buckets.Length;
    /// <summary>Buckets of the last step that were started while backward was still running (the rest started at
    /// <see cref="Finish"/>).</summary>
    public int StartedDuringBackward { get; private set; }
    /// <summary>Seconds the last <see cref="Finish"/> waited for reductions that had not completed yet.</summary>
    public double LastWaitSeconds { get; private set; }

    public GradientBuckets(IDataParallel group, IEnumerable<Tensor> parameters, int bucketBytes = DefaultBucketBytes)
    {
        _group = group;
        BucketBytes = Math.Max(4, bucketBytes);
        _params = parameters.Reverse().ToArray();
        _bucketOf = new int[_params.Length];
        var buckets = new List<Bucket>();
        int first = 0; long elements = 0;
        for (int i = 0; i < _params.Length; i++)
        {
            _indexOf[_params[i]] = i;
            elements += _params[i].Numel;
            bool last = i == _params.Length - 1;
            if (elements * sizeof(float) >= BucketBytes || last)
            {
                buckets.Add(new Bucket(first, i + 1, checked((int)elements)));
                first = i + 1; elements = 0;
            }
        }
        _buckets = buckets.ToArray();
        for (int b = 0; b < _buckets.Length; b++)
            for (int i = _buckets[b].First; i < _buckets[b].End; i++) _bucketOf[i] = b;
    }

    /// <summary>Call before the backward pass whose gradients complete the step.</summary>
    public void BeginStep()
    {
        foreach (var b in _buckets) b.Reset();
        _nextLaunch = 0;
        StartedDuringBackward = 0;
    }

    /// <summary>The hook for <c>Tensor.Backward(gradient, leafGradientReady)</c>: the leaf's gradient is final.</summary>
    public void OnGradientReady(Tensor leaf)
    {
        if (!_indexOf.TryGetValue(leaf, out int i)) return;   // not a parameter of this model (e.g. a frozen input)
        var bucket = _buckets[_bucketOf[i]];
        bucket.Ready++;
        while (_nextLaunch < _buckets.Length && _buckets[_nextLaunch].Ready >= _buckets[_nextLaunch].Size)
        {
            Launch(_buckets[_nextLaunch]);
            StartedDuringBackward++;
            _nextLaunch++;
        }
    }

    /// <summary>
    /// Starts the buckets backward did not complete, waits for all, and replaces every gradient with the group's mean
    /// (a parameter without a gradient contributes zeros and gets one).
    /// </summary>
    public void Finish()
    {
        for (; _nextLaunch < _buckets.Length; _nextLaunch++) Launch(_buckets[_nextLaunch]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        float scale = 1f / _group.WorldSize;
        foreach (var b in _buckets)
        {
            b.Pending!.Wait();
            int offset = 0;
            for (int i = b.First; i < b.End; i++)
            {
                var p = _params[i];
                p.Grad ??= Tensor.ZerosPersistent(p.Shape);
                var dst = p.Grad.Span;
                TensorPrimitives.Multiply(b.Buffer.AsSpan(offset, dst.Length), scale, dst);
                offset += dst.Length;
            }
        }
        LastWaitSeconds = clock.Elapsed.TotalSeconds;
    }

    private void Launch(Bucket b)
    {
        int offset = 0;
        for (int i = b.First; i < b.End; i++)
        {
            var p = _params[i];
            int n = p.Numel;
            if (p.Grad is { } g) g.Span.CopyTo(b.Buffer.AsSpan(offset, n));
            else b.Buffer.AsSpan(offset, n).Clear();
            offset += n;
        }
        b.Pending = _group.SumAsync(b.Buffer, b.Elements);
    }

    private sealed class Bucket(int first, int end, int elements)
    {
        public readonly int First = first, End = end, Elements = elements;
        public readonly float[] Buffer = new float[elements];
        public int Size => End - First;
        public int Ready;
        public IPendingReduction? Pending;
        public void Reset() { Ready = 0; Pending = null; }
    }
}
