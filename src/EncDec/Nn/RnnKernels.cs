namespace EncDec.Nn;

/// <summary>Which recurrence a fused sequence op runs.</summary>
internal enum CellKind { RnnTanh, RnnRelu, Lstm, Gru }

/// <summary>
/// Row kernels of the recurrent cells (one batch row of pre-activations → new state and the saved
/// activations the backward needs). Shared by the single-step cell ops and the whole-sequence ops.
/// Gate order and equations are PyTorch's: LSTM [i f g o], GRU [r z n].
/// </summary>
internal static class RnnKernels
{
    internal static int Gates(CellKind kind) => kind switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };

    /// <summary>Width of the saved activations per row (LSTM: i f g o; GRU: r z n and W_hn·h + b_hn).</summary>
    internal static int ActWidth(CellKind kind, int h) => kind switch { CellKind.Lstm or CellKind.Gru => 4 * h, _ => 0 };

    // ------------------------------------------------------------------ LSTM

    /// <summary>pre (4H) → acts (4H) = [σ(i) σ(f) tanh(g) σ(o)], c = f·c_prev + i·g, h = o·tanh(c).</summary>
    internal static void LstmForwardRow(ReadOnlySpan<float> pre, ReadOnlySpan<float> cPrev, Span<float> acts, Span<float> h, Span<float> c)
    {
        int n = h.Length;
        TensorPrimitives.Sigmoid(pre[..(2 * n)], acts[..(2 * n)]);
        TensorPrimitives.Tanh(pre.Slice(2 * n, n), acts.Slice(2 * n, n));
        TensorPrimitives.Sigmoid(pre.Slice(3 * n, n), acts.Slice(3 * n, n));
        var i = acts[..n]; var f = acts.Slice(n, n); var g = acts.Slice(2 * n, n); var o = acts.Slice(3 * n, n);
        TensorPrimitives.Multiply(f, cPrev, c);
        TensorPrimitives.MultiplyAdd(i, g, c, c);
        TensorPrimitives.Tanh(c, h);
        TensorPrimitives.Multiply(h, o, h);
    }

    /// <summary>
    /// Gradients of one LSTM row: from dh, dc (of h', c') to dPre (4H) and dcPrev. <paramref name="dcPrev"/> may
    /// be the same span as <paramref name="dc"/> (updated in place). <paramref name="tanhC"/> is scratch (H).
    /// </summary>
    internal static void LstmBackwardRow(ReadOnlySpan<float> acts, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> cNew,
                                         ReadOnlySpan<float> dh, ReadOnlySpan<float> dc, Span<float> dPre, Span<float> dcPrev, Span<float> tanhC)
    {
        int n = cNew.Length;
        TensorPrimitives.Tanh(cNew, tanhC);
        for (int j = 0; j < n; j++)
        {
            float i = acts[j], f = acts[n + j], g = acts[2 * n + j], o = acts[3 * n + j];
            float tc = tanhC[j];
            float dhj = dh[j];
            float dct = dc[j] + dhj * o * (1f - tc * tc);
            float dO = dhj * tc;
            dPre[j] = dct * g * i * (1f - i);
            dPre[n + j] = dct * cPrev[j] * f * (1f - f);
            dPre[2 * n + j] = dct * i * (1f - g * g);
            dPre[3 * n + j] = dO * o * (1f - o);
            dcPrev[j] = dct * f;
        }
    }

    // ------------------------------------------------------------------ GRU

    /// <summary>
    /// gx = W_ih·x + b_ih, gh = W_hh·h + b_hh (3H each, [r z n]): r = σ(gx_r + gh_r), z = σ(gx_z + gh_z),
    /// n = tanh(gx_n + r·gh_n), h' = (1 − z)·n + z·h. acts = [r z n gh_n].
    /// </summary>
    internal static void GruForwardRow(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> hPrev, Span<float> acts, Span<float> hNew)
    {
        int n = hNew.Length;
        var rz = acts[..(2 * n)];
        TensorPrimitives.Add(gx[..(2 * n)], gh[..(2 * n)], rz);
        TensorPrimitives.Sigmoid(rz, rz);
        var r = acts[..n]; var z = acts.Slice(n, n); var nn = acts.Slice(2 * n, n); var ghn = acts.Slice(3 * n, n);
        gh.Slice(2 * n, n).CopyTo(ghn);
        TensorPrimitives.MultiplyAdd(r, ghn, gx.Slice(2 * n, n), nn);
        TensorPrimitives.Tanh(nn, nn);
        TensorPrimitives.Subtract(hPrev, nn, hNew);          // h − n
        TensorPrimitives.MultiplyAdd(z, hNew, nn, hNew);      // n + z·(h − n)
    }

    /// <summary>
    /// Gradients of one GRU row: dGx (3H), dGh (3H) and the direct part of dhPrev (= dh·z). <paramref name="dhPrev"/>
    /// may be the same span as <paramref name="dh"/>.
    /// </summary>
    internal static void GruBackwardRow(ReadOnlySpan<float> acts, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> dh,
                                        Span<float> dGx, Span<float> dGh, Span<float> dhPrev)
    {
        int n = hPrev.Length;
        for (int j = 0; j < n; j++)
        {
            float r = acts[j], z = acts[n + j], nv = acts[2 * n + j], ghn = acts[3 * n + j];
            float dhj = dh[j];
            float dz = dhj * (hPrev[j] - nv);
            float dnp = dhj * (1f - z) * (1f - nv * nv);
            float drp = dnp * ghn * r * (1f - r);
            float dzp = dz * z * (1f - z);
            dGx[j] = drp; dGh[j] = drp;
            dGx[n + j] = dzp; dGh[n + j] = dzp;
            dGx[2 * n + j] = dnp; dGh[2 * n + j] = dnp * r;
            dhPrev[j] = dhj * z;
        }
    }

    // ------------------------------------------------------------------ vanilla RNN

    internal static void RnnForwardRow(bool relu, ReadOnlySpan<float> pre, Span<float> h)
    {
        if (relu) TensorPrimitives.Max(pre, 0f, h);
        else TensorPrimitives.Tanh(pre, h);
    }

    /// <summary>dPre from dh and the output h' (tanh: 1 − h'²; relu: h' &gt; 0).</summary>
    internal static void RnnBackwardRow(bool relu, ReadOnlySpan<float> hNew, ReadOnlySpan<float> dh, Span<float> dPre)
    {
        if (relu) for (int j = 0; j < hNew.Length; j++) dPre[j] = hNew[j] > 0f ? dh[j] : 0f;
        else for (int j = 0; j < hNew.Length; j++) dPre[j] = dh[j] * (1f - hNew[j] * hNew[j]);
    }
}
