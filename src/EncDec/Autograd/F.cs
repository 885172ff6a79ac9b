using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EncDec.Tensors;

namespace EncDec.Autograd;

/// <summary>
/// Differentiable functional operations (PyTorch's <c>torch.nn.functional</c> in PascalCase): fused
/// kernels for the hot layers (linear, layer norm, embedding, cross-entropy) and the structural ops.
/// Each fused kernel is tested against the same computation composed from primitive ops.
/// </summary>
public static partial class F
{
    // ------------------------------------------------------------------ linear

    /// <summary>y = x·Wᵀ + b with x (…, in), W (out, in), b (out). Fused: dW accumulates straight from one GEMM.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        int inF = weight.Shape[1], outF = weight.Shape[0];
        if (x.Shape[^1] != inF) throw new ArgumentException($"Linear: input {ShapeUtil.Format(x.Shape)} does not end in {inF}");
        var xc = x.ContiguousRaw();
        int rows = xc.Numel / Math.Max(inF, 1);
        var x2 = xc.ViewRaw(new[] { rows, inF });                     // (N, in)
        var outShape = (int[])x.Shape.Clone(); outShape[^1] = outF;
        var y = Tensor.Empty(outShape);
        var y2 = y.ViewRaw(new[] { rows, outF });                      // (N, out)
        MatMulKernel.Gemm2D(x2, false, weight, true, y2, 0f);         // (N, in)·(in, out)
        if (bias is not null)
        {
            var bs = bias.ContiguousRaw().Span; var ys = y2.Span;
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(ys.Slice(r * outF, outF), bs, ys.Slice(r * outF, outF));
        }
        var inputs = bias is null ? new[] { x, weight } : new[] { x, weight, bias };
        if (!Tensor.NeedsGrad(inputs)) return y;
        return y.WithGrad("Linear", inputs, g =>
        {
            var g2 = g.ViewRaw(new[] { rows, outF });                  // (N, out)
            if (x.RequiresGrad)
            {
                var dx = Tensor.Empty(x.Shape);
                MatMulKernel.Gemm2D(g2, false, weight, false, dx.ViewRaw(new[] { rows, inF }), 0f); // (N,out)·(out,in)
                x.AccumulateGrad(dx, owned: true);
            }
            if (weight.RequiresGrad)
            {
                var w = weight.GradSink();                              // (out, in) += gᵀ·x
                MatMulKernel.Gemm2D(g2, true, x2, false, w, 1f);
            }
            if (bias is not null && bias.RequiresGrad)
            {
                var db = bias.GradSink().Span; var gs = g2.Span;
                for (int r = 0; r < rows; r++) TensorPrimitives.Add(db, gs.Slice(r * outF, outF), db);
            }
        }, SavedValues.Inputs);
    }

    // ------------------------------------------------------------------ embedding

    /// <summary>Rows of <paramref name="weight"/> (V, D) for each id → ids.Shape + (D). The padding row gets no gradient.</summary>
    public static Tensor Embedding(IndexTensor ids, Tensor weight, int? paddingIdx = null)
    {
        int v = weight.Shape[0], d = weight.Shape[1];
        var w = weight.ContiguousRaw().Span;
        var outShape = ids.Shape.Concat(new[] { d }).ToArray();
        var y = Tensor.Empty(outShape);
        var ys = y.Span;
        var idx = ids.Data;
        for (int i = 0; i < idx.Length; i++)
        {
            int t = idx[i];
            if ((uint)t >= (uint)v) throw new ArgumentOutOfRangeException(nameof(ids), $"token id {t} out of range for an embedding of {v} rows");
            w.Slice(t * d, d).CopyTo(ys.Slice(i * d, d));
        }
        if (!Tensor.NeedsGrad(weight)) return y;
        return y.WithGrad("Embedding", new[] { weight }, g =>
        {
            var sink = weight.GradSink().Span; var gs = g.Span;
            for (int i = 0; i < idx.Length; i++)
            {
                int t = idx[i];
                if (paddingIdx == t) continue;
                var row = sink.Slice(t * d, d);
                TensorPrimitives.Add(row, gs.Slice(i * d, d), row);
            }
        }, SavedValues.None);
    }

    // ------------------------------------------------------------------ layer norm

    /// <summary>Layer normalisation over the last dimension (biased variance, as PyTorch), fused forward and backward.</summary>
    public static Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps = 1e-5f)
    {
        int n = x.Shape[^1];
        var xc = x.ContiguousRaw();
        int rows = xc.Numel / Math.Max(n, 1);
        var y = Tensor.Empty(x.Shape);
        var xhatT = Tensor.Empty(xc.Shape);                           // normalised input, kept for backward (pooled)
        var rstd = new float[rows];
        var wc = weight?.ContiguousRaw();
        var bc = bias?.ContiguousRaw();
        Par.For(rows, n, (s0, e0) =>
        {
            var xs = xc.Span; var ys = y.Span; var hs = xhatT.Span;
            for (int r = s0; r < e0; r++)
            {
                var xr = xs.Slice(r * n, n);
                var hr = hs.Slice(r * n, n);
                float mean = TensorPrimitives.Sum(xr) / n;
                TensorPrimitives.Subtract(xr, mean, hr);                 // x − mean
                float var_ = TensorPrimitives.Dot(hr, hr) / n;         // biased variance
                float rs = 1f / MathF.Sqrt(var_ + eps);
                rstd[r] = rs;
                TensorPrimitives.Multiply(hr, rs, hr);
                var yr = ys.Slice(r * n, n);
                if (wc is not null) TensorPrimitives.Multiply(hr, wc.Span, yr); else hr.CopyTo(yr);
                if (bc is not null) TensorPrimitives.Add(yr, bc.Span, yr);
            }
        });
        var inputs = new List<Tensor> { x };
        if (weight is not null) inputs.Add(weight);
        if (bias is not null) inputs.Add(bias);
        if (!Tensor.NeedsGrad(inputs.ToArray())) return y;
        return y.WithGrad("LayerNorm", inputs.ToArray(), g =>
        {
            var wv = weight?.ContiguousRaw();
            Tensor? dx = x.RequiresGrad ? Tensor.Empty(x.Shape) : null;
            var dw = weight is { RequiresGrad: true } ? weight.GradSink() : null;
            var db = bias is { RequiresGrad: true } ? bias.GradSink() : null;
            int chunks = Par.Chunks(rows, n);
            var dwPart = dw is null ? null : new float[chunks][];
            var dbPart = db is null ? null : new float[chunks][];
            Par.ForChunks(rows, chunks, (c, s0, e0) =>
            {
                var gs = g.Span; var hs = xhatT.Span;
                var dxhat = new float[n];
                var pw = dwPart is null ? null : dwPart[c] = new float[n];
                var pb = dbPart is null ? null : dbPart[c] = new float[n];
                for (int r = s0; r < e0; r++)
                {
                    var gr = gs.Slice(r * n, n);
                    var hr = hs.Slice(r * n, n);
                    if (pw is not null) TensorPrimitives.MultiplyAdd(gr, hr, pw, pw);
                    if (pb is not null) TensorPrimitives.Add(pb, gr, pb);
                    if (dx is null) continue;
                    if (wv is not null) TensorPrimitives.Multiply(gr, wv.Span, dxhat); else gr.CopyTo(dxhat);
                    float m1 = TensorPrimitives.Sum<float>(dxhat) / n;
                    float m2 = TensorPrimitives.Dot<float>(dxhat, hr) / n;
                    var dr = dx.Span.Slice(r * n, n);
                    float rs = rstd[r];
                    // dx = rstd · (dxhat − mean(dxhat) − xhat · mean(dxhat · xhat))
                    TensorPrimitives.MultiplyAdd(hr, -m2, dxhat, dr);
                    TensorPrimitives.Subtract(dr, m1, dr);
                    TensorPrimitives.Multiply(dr, rs, dr);
                }
            });
            for (int c = 0; c < chunks; c++)
            {
                if (dwPart is not null) TensorPrimitives.Add(dw!.Span, dwPart[c], dw.Span);
                if (dbPart is not null) TensorPrimitives.Add(db!.Span, dbPart[c], db.Span);
            }
            if (dx is not null) x.AccumulateGrad(dx, owned: true);
        }, weight is { IsLeaf: false } ? SavedValues.Inputs : SavedValues.None);   // reads its own normalised copy and the weight, not x or y
    }

    // ------------------------------------------------------------------ cross-entropy

    /// <summary>
    /// Cross-entropy over logits (…, V) against integer targets (…): fused log-softmax + NLL with
    /// <paramref name="ignoreIndex"/> and label smoothing, exactly as <c>torch.nn.functional.cross_entropy</c>
    /// (smoothing mixes the one-hot target with the uniform distribution over V classes; the mean is over
    /// non-ignored targets).
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, IndexTensor targets, int ignoreIndex = -100,
                                      float labelSmoothing = 0f, Reduction reduction = Reduction.Mean)
    {
        int v = logits.Shape[^1];
        var lc = logits.ContiguousRaw();
        int rows = lc.Numel / Math.Max(v, 1);
        if (targets.Numel != rows) throw new ArgumentException($"cross_entropy: {rows} rows of logits but {targets.Numel} targets");
        var tg = targets.Data;
        for (int r = 0; r < rows; r++)
        {
            int t = tg[r];
            if (t != ignoreIndex && (uint)t >= (uint)v) throw new ArgumentOutOfRangeException(nameof(targets), $"target {t} out of range for {v} classes");
        }
        var perRow = new float[rows];
        int count = tg.Count(t => t != ignoreIndex);
        float eps = labelSmoothing;
        bool grad = Tensor.NeedsGrad(logits);
        // One sweep over the logits, a row at a time (the row stays in cache): log-sum-exp, the loss from it
        // (−log p_t = lse − x_t; the smoothing term −mean(log p) = lse − mean(x)) and, for backward, the unscaled
        // gradient softmax − smoothed one-hot written straight into one (rows, V) buffer (zero rows for ignored
        // targets). Its backward allocates nothing: it scales that buffer by the incoming gradient and hands it to
        // the logits. Hence one backward per graph.
        var dlogits = grad ? Tensor.Empty(rows, v) : null;
        Par.For(rows, v, (s0, e0) =>
        {
            var xs = lc.Span;
            var scratch = dlogits is null ? new float[v] : null;
            for (int r = s0; r < e0; r++)
            {
                int t = tg[r];
                var dr = dlogits is null ? scratch.AsSpan() : dlogits.Span.Slice(r * v, v);
                if (t == ignoreIndex) { if (dlogits is not null) dr.Clear(); continue; }
                var xr = xs.Slice(r * v, v);
                float max = TensorPrimitives.Max(xr);
                TensorPrimitives.Subtract(xr, max, dr);
                TensorPrimitives.Exp(dr, dr);                              // exp(x − max)
                float sum = TensorPrimitives.Sum(dr);
                float lse = max + MathF.Log(sum);
                float nll = lse - xr[t];
                perRow[r] = eps > 0 ? (1 - eps) * nll + eps * (lse - TensorPrimitives.Sum(xr) / v) : nll;
                if (dlogits is null) continue;
                TensorPrimitives.Multiply(dr, 1f / sum, dr);                       // softmax
                if (eps > 0) TensorPrimitives.Subtract(dr, eps / v, dr);
                dr[t] -= 1 - eps;
            }
        });
        Tensor result;
        float scale;
        switch (reduction)
        {
            case Reduction.None:
                result = Tensor.FromArray(perRow, targets.Shape); scale = 1; break;
            case Reduction.Sum:
                result = Tensor.Scalar((float)perRow.Sum(p => (double)p)); scale = 1; break;
            default:
                // PyTorch returns NaN for a mean over zero non-ignored targets.
                result = Tensor.Scalar(count == 0 ? float.NaN : (float)(perRow.Sum(p => (double)p) / count));
                scale = count == 0 ? 0 : 1f / count; break;
        }
        if (!ReferenceEquals(lc.Storage, logits.Storage)) lc.Storage.ReleaseIfTracked();   // a dense copy of strided logits
        if (dlogits is null) return result;
        var logp = dlogits;
        bool consumed = false;
        return result.WithGrad("CrossEntropy", new[] { logits }, g =>
        {
            if (consumed) throw new InvalidOperationException("cross_entropy: backward ran twice through the same graph; compute the loss again");
            consumed = true;
            var gv = g.ToArray();
            Par.For(rows, v, (s0, e0) =>
            {
                var ds = logp.Span;
                for (int r = s0; r < e0; r++)
                {
                    float sc = (reduction == Reduction.None ? gv[r] : gv[0]) * scale;
                    TensorPrimitives.Multiply(ds.Slice(r * v, v), sc, ds.Slice(r * v, v));
                }
            });
            logits.AccumulateGrad(logp.ViewRaw(logits.Shape), owned: true);
        }, SavedValues.None);
    }

    /// <summary>Negative log-likelihood over log-probabilities (…, V), like <c>F.nll_loss</c>.</summary>
    public static Tensor NllLoss(Tensor logProbs, IndexTensor targets, int ignoreIndex = -100)
    {
        int v = logProbs.Shape[^1];
        var flat = logProbs.Reshape(-1, v);
        var picked = Gather(flat, 1, new IndexTensor(targets.Data.Select(t => t == ignoreIndex ? 0 : t).ToArray(), targets.Numel, 1));
        var mask = Tensor.FromArray(targets.Data.Select(t => t == ignoreIndex ? 0f : 1f).ToArray(), targets.Numel, 1);
        int count = targets.Data.Count(t => t != ignoreIndex);
        return (picked * mask).Sum().MulScalar(-1f / Math.Max(count, 1));
    }

    // ------------------------------------------------------------------ dropout

    /// <summary>Inverted dropout: zeroes each element with probability <paramref name="p"/> and scales the rest by 1/(1-p).</summary>
    public static Tensor Dropout(Tensor x, float p, bool training, Rng? rng = null)
    {
        if (!training || p <= 0f) return x;
        if (p >= 1f) return x.MulScalar(0f);
        rng ??= Rng.Global;
        var xc = x.ContiguousRaw();
        // The mask is never stored: it is a hash of (seed, element index), so backward draws the same one again.
        ulong seed = rng.NextUInt64();
        var y = Tensor.Empty(x.Shape);
        Par.For(xc.Numel, 1, (s0, e0) => ApplyDropoutMask(xc.Span[s0..e0], y.Span[s0..e0], s0, seed, p));
        if (!ReferenceEquals(xc.Storage, x.Storage)) xc.Storage.ReleaseIfTracked();   // a dense copy of a strided input
        if (!Tensor.NeedsGrad(x)) return y;
        return y.WithGrad("Dropout", new[] { x }, g =>
        {
            var dx = Tensor.Empty(x.Shape);
            Par.For(dx.Numel, 1, (s0, e0) => ApplyDropoutMask(g.Span[s0..e0], dx.Span[s0..e0], s0, seed, p));
            x.AccumulateGrad(dx, owned: true);
        }, SavedValues.None);
    }

    /// <summary>
    /// dst[i] = src[i] · m(first + i), with m the element of <see cref="DropoutMask"/> drawn from <paramref name="seed"/> at
    /// that index (0 or 1/(1−p)), without materialising the mask.
    /// </summary>
    private static void ApplyDropoutMask(ReadOnlySpan<float> src, Span<float> dst, int first, ulong seed, float p)
    {
        uint threshold = (uint)Math.Min(p * 4294967296.0, uint.MaxValue);
        float keep = p >= 1f ? 0f : 1f / (1f - p);
        int i0 = Avx2.IsSupported ? ApplyDropoutMaskAvx2(src, dst, first, seed, threshold, keep) : 0;
        for (int i = i0; i < src.Length; i++)
        {
            ulong z = seed + (ulong)(first + i) * 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            dst[i] = src[i] * (p >= 1f || (uint)((z ^ (z >> 31)) >> 32) < threshold ? 0f : keep);   // as src · mask
        }
    }

    /// <summary>
    /// The vector part of <see cref="ApplyDropoutMask"/>: the same SplitMix64 hash, 8 elements at a time, with the 64-bit
    /// products built from 32-bit ones (AVX2 has no 64-bit multiply), so the mask bits are exactly the scalar loop's.
    /// Returns how many leading elements it did.
    /// </summary>
    private static int ApplyDropoutMaskAvx2(ReadOnlySpan<float> src, Span<float> dst, int first, ulong seed, uint threshold, float keep)
    {
        const ulong golden = 0x9E3779B97F4A7C15UL, c1 = 0xBF58476D1CE4E5B9UL, c2 = 0x94D049BB133111EBUL;
        int n = src.Length & ~7;
        if (n == 0) return 0;
        var lanes = Vector256.Create(0UL, golden, unchecked(2 * golden), unchecked(3 * golden));
        var step4 = Vector256.Create(unchecked(4 * golden));
        var step8 = Vector256.Create(unchecked(8 * golden));
        var c1v = Vector256.Create(c1); var c1h = Vector256.Create(c1 >> 32);
        var c2v = Vector256.Create(c2); var c2h = Vector256.Create(c2 >> 32);
        var thr = Vector256.Create((long)threshold);
        var keepV = Vector256.Create(keep);
        var z0 = Vector256.Create(unchecked(seed + (ulong)first * golden)) + lanes;     // element i's counter, lanes i..i+3
        var z1 = z0 + step4;                                                  // lanes i+4..i+7
        ref float sr = ref MemoryMarshal.GetReference(src);
        ref float dr = ref MemoryMarshal.GetReference(dst);
        for (int i = 0; i < n; i += 8)
        {
            var drop = Vector256.Narrow(DropBits(z0), DropBits(z1)).AsSingle();   // all ones where the element is dropped
            var mult = Avx.AndNot(drop, keepV);                                     // 0 or keep, as the scalar loop's factor
            (Vector256.LoadUnsafe(ref sr, (nuint)i) * mult).StoreUnsafe(ref dr, (nuint)i);
            z0 += step8; z1 += step8;
        }
        return n;

        Vector256<ulong> DropBits(Vector256<ulong> z)
        {
            z = Mul64(z ^ Avx2.ShiftRightLogical(z, 30), c1v, c1h);
            z = Mul64(z ^ Avx2.ShiftRightLogical(z, 27), c2v, c2h);
            var hi = Avx2.ShiftRightLogical(z ^ Avx2.ShiftRightLogical(z, 31), 32).AsInt64();
            return Avx2.CompareGreaterThan(thr, hi).AsUInt64();                    // hash < threshold (both below 2^32)
        }

        static Vector256<ulong> Mul64(Vector256<ulong> a, Vector256<ulong> c, Vector256<ulong> cHi)
        {
            // (aH·2^32 + aL)·(cH·2^32 + cL) mod 2^64 = aL·cL + ((aH·cL + aL·cH) << 32)
            var lo = Avx2.Multiply(a.AsUInt32(), c.AsUInt32());
            var cross = Avx2.Multiply(Avx2.ShiftRightLogical(a, 32).AsUInt32(), c.AsUInt32()) + Avx2.Multiply(a.AsUInt32(), cHi.AsUInt32());
            return lo + Avx2.ShiftLeftLogical(cross, 32);
        }
    }

    /// <summary>
    /// Inverted-dropout mask of <paramref name="shape"/>: 0 with probability <paramref name="p"/>, else 1/(1−p). One draw
    /// from <paramref name="rng"/> seeds a counter-based hash (SplitMix64) per element, so the mask is deterministic for a
    /// generator state and is produced in parallel. Every dropout in the library uses it.
    /// </summary>
    public static Tensor DropoutMask(int[] shape, float p, Rng rng)
    {
        ulong seed = rng.NextUInt64();
        var mask = Tensor.Empty(shape);
        Par.For(mask.Numel, 1, (s0, e0) =>
        {
            var ms = mask.Span[s0..e0];
            ms.Fill(1f);
            ApplyDropoutMask(ms, ms, s0, seed, p);                      // 1 · m(i) = m(i), in place
        });
        return mask;
    }

    // ------------------------------------------------------------------ structure

    /// <summary>Concatenates along <paramref name="dim"/>.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int dim)
    {
        if (tensors.Count == 0) throw new ArgumentException("concat of no tensors");
        var first = tensors[0];
        int d = ShapeUtil.NormalizeDim(dim, first.Rank);
        var shape = (int[])first.Shape.Clone();
        shape[d] = 0;
        foreach (var t in tensors)
        {
            if (t.Rank != first.Rank) throw new ArgumentException("concat: ranks differ");
            for (int i = 0; i < t.Rank; i++)
                if (i != d && t.Shape[i] != first.Shape[i]) throw new ArgumentException($"concat: shapes {ShapeUtil.Format(first.Shape)} and {ShapeUtil.Format(t.Shape)} differ outside dim {d}");
            shape[d] += t.Shape[d];
        }
        var y = Tensor.Empty(shape);
        var (outer, _, inner) = Kernels.Split3(shape, d);
        int rowOut = shape[d] * inner;
        var ys = y.Span;
        int at = 0;
        var starts = new int[tensors.Count];
        for (int k = 0; k < tensors.Count; k++)
        {
            var tc = tensors[k].ContiguousRaw();
            int len = tc.Shape[d] * inner;
            var ts = tc.Span;
            for (int o = 0; o < outer; o++) ts.Slice(o * len, len).CopyTo(ys.Slice(o * rowOut + at, len));
            starts[k] = at / Math.Max(inner, 1);
            at += len;
        }
        var inputs = tensors.ToArray();
        if (!Tensor.NeedsGrad(inputs)) return y;
        return y.WithGrad("Concat", inputs, g =>
        {
            for (int k = 0; k < inputs.Length; k++)
                if (inputs[k].RequiresGrad)
                    inputs[k].AccumulateGrad(g.NarrowRaw(d, starts[k], inputs[k].Shape[d]).ContiguousRaw());
        });
    }

    /// <summary>Stacks equal-shaped tensors along a new dimension.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim)
        => Concat(tensors.Select(t => t.Unsqueeze(dim < 0 ? dim + t.Rank + 1 : dim)).ToList(), dim < 0 ? dim + tensors[0].Rank + 1 : dim);

    /// <summary>Splits into pieces of the given sizes along <paramref name="dim"/> (views).</summary>
    public static Tensor[] Split(Tensor x, int[] sizes, int dim)
    {
        int d = ShapeUtil.NormalizeDim(dim, x.Rank);
        if (sizes.Sum() != x.Shape[d]) throw new ArgumentException($"split sizes sum to {sizes.Sum()}, dim {d} has {x.Shape[d]}");
        var r = new Tensor[sizes.Length];
        int at = 0;
        for (int i = 0; i < sizes.Length; i++) { r[i] = x.Narrow(d, at, sizes[i]); at += sizes[i]; }
        return r;
    }

    /// <summary>Splits into <paramref name="chunks"/> equal pieces (the last may be smaller), like torch.chunk.</summary>
    public static Tensor[] Chunk(Tensor x, int chunks, int dim)
    {
        int d = ShapeUtil.NormalizeDim(dim, x.Rank);
        int n = x.Shape[d], size = (n + chunks - 1) / chunks;
        var sizes = new List<int>();
        for (int at = 0; at < n; at += size) sizes.Add(Math.Min(size, n - at));
        return Split(x, sizes.ToArray(), d);
    }

    /// <summary>Selects entries of <paramref name="dim"/> by index (the gradient is scatter-added).</summary>
    public static Tensor IndexSelect(Tensor x, int dim, IndexTensor index)
    {
        int d = ShapeUtil.NormalizeDim(dim, x.Rank);
        var xc = x.ContiguousRaw();
        var (outer, n, inner) = Kernels.Split3(x.Shape, d);
        var shape = (int[])x.Shape.Clone(); shape[d] = index.Numel;
        var y = Tensor.Empty(shape);
        var xs = xc.Span; var ys = y.Span; var ix = index.Data; int m = ix.Length;
        foreach (var i in ix) if ((uint)i >= (uint)n) throw new ArgumentOutOfRangeException(nameof(index), $"index {i} out of range for size {n}");
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < m; j++)
                xs.Slice((o * n + ix[j]) * inner, inner).CopyTo(ys.Slice((o * m + j) * inner, inner));
        if (!Tensor.NeedsGrad(x)) return y;
        return y.WithGrad("IndexSelect", new[] { x }, g =>
        {
            var sink = x.GradSink().Span; var gs = g.Span;
            for (int o = 0; o < outer; o++)
                for (int j = 0; j < m; j++)
                {
                    var dst = sink.Slice((o * n + ix[j]) * inner, inner);
                    TensorPrimitives.Add(dst, gs.Slice((o * m + j) * inner, inner), dst);
                }
        });
    }

    /// <summary>torch.gather: out[…, j, …] = x[…, index[…, j, …], …] along <paramref name="dim"/>; index has x's rank.</summary>
    public static Tensor Gather(Tensor x, int dim, IndexTensor index)
    {
        int d = ShapeUtil.NormalizeDim(dim, x.Rank);
        if (index.Rank != x.Rank) throw new ArgumentException("gather: index must have the input's rank");
        for (int i = 0; i < x.Rank; i++)
            if (i != d && index.Shape[i] != x.Shape[i]) throw new ArgumentException($"gather: index shape {ShapeUtil.Format(index.Shape)} vs input {ShapeUtil.Format(x.Shape)}");
        var xc = x.ContiguousRaw();
        var (outer, n, inner) = Kernels.Split3(x.Shape, d);
        int m = index.Shape[d];
        var y = Tensor.Empty(index.Shape);
        var xs = xc.Span; var ys = y.Span; var ix = index.Data;
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < m; j++)
                for (int i = 0; i < inner; i++)
                {
                    int p = (o * m + j) * inner + i;
                    int t = ix[p];
                    if ((uint)t >= (uint)n) throw new ArgumentOutOfRangeException(nameof(index), $"index {t} out of range for size {n}");
                    ys[p] = xs[(o * n + t) * inner + i];
                }
        if (!Tensor.NeedsGrad(x)) return y;
        return y.WithGrad("Gather", new[] { x }, g =>
        {
            var sink = x.GradSink().Span; var gs = g.Span;
            for (int o = 0; o < outer; o++)
                for (int j = 0; j < m; j++)
                    for (int i = 0; i < inner; i++)
                    {
                        int p = (o * m + j) * inner + i;
                        sink[(o * n + ix[p]) * inner + i] += gs[p];
                    }
        });
    }

    /// <summary>Elementwise <c>condition ? a : b</c> with broadcasting (condition nonzero = true).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        var shape = ShapeUtil.Broadcast(ShapeUtil.Broadcast(condition.Shape, a.Shape), b.Shape);
        var c = condition.ExpandRaw(shape).ContiguousRaw();
        var ae = a.ExpandRaw(shape).ContiguousRaw();
        var be = b.ExpandRaw(shape).ContiguousRaw();
        var y = Tensor.Empty(shape);
        var cs = c.Span; var asp = ae.Span; var bsp = be.Span; var ys = y.Span;
        for (int i = 0; i < ys.Length; i++) ys[i] = cs[i] != 0 ? asp[i] : bsp[i];
        if (!Tensor.NeedsGrad(a, b)) return y;
        return y.WithGrad("Where", new[] { a, b }, g =>
        {
            var gs = g.Span; var cv = c.Span;
            if (a.RequiresGrad)
            {
                var ga = Tensor.Empty(shape); var s = ga.Span;
                for (int i = 0; i < s.Length; i++) s[i] = cv[i] != 0 ? gs[i] : 0f;
                a.AccumulateGrad(ga, owned: true);
            }
            if (b.RequiresGrad)
            {
                var gb = Tensor.Empty(shape); var s = gb.Span;
                for (int i = 0; i < s.Length; i++) s[i] = cv[i] != 0 ? 0f : gs[i];
                b.AccumulateGrad(gb, owned: true);
            }
        });
    }
}
