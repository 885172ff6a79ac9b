using EncDec.Tensors;
using EncDec.Tensors.Gemm;

namespace EncDec.Nn;

/// <summary>
/// Fused recurrent operations with their own backward: the LSTM and GRU point-wise gate math of one step,
/// and a whole-sequence recurrence (one layer, one direction) used by <see cref="Rnn"/>, <see cref="Lstm"/>
/// and <see cref="Gru"/>.
/// </summary>
public static class RnnF
{
    /// <summary>
    /// LSTM gate math of one step: <paramref name="gates"/> (B, 4H) pre-activations [i f g o] and the previous
    /// cell <paramref name="c"/> (B, H) → (h', c') with c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c').
    /// </summary>
    public static (Tensor H, Tensor C) LstmPointwise(Tensor gates, Tensor c)
    {
        if (gates.Rank != 2 || gates.Shape[1] % 4 != 0) throw new ArgumentException($"LstmPointwise: gates {ShapeUtil.Format(gates.Shape)} is not (B, 4H)");
        int b = gates.Shape[0], h = gates.Shape[1] / 4;
        if (c.Rank != 2 || c.Shape[0] != b || c.Shape[1] != h) throw new ArgumentException($"LstmPointwise: cell {ShapeUtil.Format(c.Shape)} is not ({b}, {h})");
        var gc = gates.ContiguousRaw(); var cc = c.ContiguousRaw();
        var acts = Tensor.Empty(b, 4 * h);
        var y = Tensor.Empty(b, 2 * h);                                  // [h' | c']
        {
            var gs = gc.Span; var cs = cc.Span; var a = acts.Span; var ys = y.Span;
            for (int r = 0; r < b; r++)
                RnnKernels.LstmForwardRow(gs.Slice(r * 4 * h, 4 * h), cs.Slice(r * h, h), a.Slice(r * 4 * h, 4 * h),
                                          ys.Slice(r * 2 * h, h), ys.Slice(r * 2 * h + h, h));
        }
        if (!Tensor.NeedsGrad(gates, c)) return (y.NarrowRaw(1, 0, h), y.NarrowRaw(1, h, h));
        y.WithGrad("LstmPointwise", new[] { gates, c }, g =>
        {
            var dG = Tensor.Empty(b, 4 * h); var dC = Tensor.Empty(b, h);
            var gs = g.Span; var a = acts.Span; var cs = cc.Span; var ys = y.Span; var dgs = dG.Span; var dcs = dC.Span;
            var tmp = new float[h];
            for (int r = 0; r < b; r++)
                RnnKernels.LstmBackwardRow(a.Slice(r * 4 * h, 4 * h), cs.Slice(r * h, h), ys.Slice(r * 2 * h + h, h),
                                           gs.Slice(r * 2 * h, h), gs.Slice(r * 2 * h + h, h), dgs.Slice(r * 4 * h, 4 * h), dcs.Slice(r * h, h), tmp);
            gates.AccumulateGrad(dG);
            c.AccumulateGrad(dC);
        });
        return (y.Narrow(1, 0, h), y.Narrow(1, h, h));
    }

    /// <summary>
    /// GRU gate math of one step: <paramref name="gx"/> = W_ih·x + b_ih and <paramref name="gh"/> = W_hh·h + b_hh
    /// (B, 3H) [r z n], previous <paramref name="h"/> (B, H) → h' = (1 − z)·n + z·h with
    /// n = tanh(gx_n + r·gh_n).
    /// </summary>
    public static Tensor GruPointwise(Tensor gx, Tensor gh, Tensor h)
    {
        if (gx.Rank != 2 || gx.Shape[1] % 3 != 0 || !ShapeUtil.SameShape(gx.Shape, gh.Shape))
            throw new ArgumentException($"GruPointwise: gx {ShapeUtil.Format(gx.Shape)} and gh {ShapeUtil.Format(gh.Shape)} must both be (B, 3H)");
        int b = gx.Shape[0], n = gx.Shape[1] / 3;
        if (h.Rank != 2 || h.Shape[0] != b || h.Shape[1] != n) throw new ArgumentException($"GruPointwise: hidden {ShapeUtil.Format(h.Shape)} is not ({b}, {n})");
        var xc = gx.ContiguousRaw(); var hc = gh.ContiguousRaw(); var pc = h.ContiguousRaw();
        var acts = Tensor.Empty(b, 4 * n);
        var y = Tensor.Empty(b, n);
        {
            var xs = xc.Span; var hs = hc.Span; var ps = pc.Span; var a = acts.Span; var ys = y.Span;
            for (int r = 0; r < b; r++)
                RnnKernels.GruForwardRow(xs.Slice(r * 3 * n, 3 * n), hs.Slice(r * 3 * n, 3 * n), ps.Slice(r * n, n),
                                         a.Slice(r * 4 * n, 4 * n), ys.Slice(r * n, n));
        }
        if (!Tensor.NeedsGrad(new[] { gx, gh, h })) return y;
        return y.WithGrad("GruPointwise", new[] { gx, gh, h }, g =>
        {
            var dX = Tensor.Empty(b, 3 * n); var dH = Tensor.Empty(b, 3 * n); var dP = Tensor.Empty(b, n);
            var gs = g.Span; var a = acts.Span; var ps = pc.Span;
            var dxs = dX.Span; var dhs = dH.Span; var dps = dP.Span;
            for (int r = 0; r < b; r++)
                RnnKernels.GruBackwardRow(a.Slice(r * 4 * n, 4 * n), ps.Slice(r * n, n), gs.Slice(r * n, n),
                                          dxs.Slice(r * 3 * n, 3 * n), dhs.Slice(r * 3 * n, 3 * n), dps.Slice(r * n, n));
            gx.AccumulateGrad(dX);
            gh.AccumulateGrad(dH);
            h.AccumulateGrad(dP);
        });
    }

    /// <summary>
    /// Runs one layer and direction of a recurrence over a whole batch-first sequence.
    /// <paramref name="xproj"/> (B, T, G·H) is the input projection W_ih·x + b_ih of every step (one GEMM by
    /// the caller); each step then costs one (B, H)·W_hhᵀ GEMM and the fused gate math. Rows whose length is
    /// reached keep their state and output zeros, so the final state is the one at each sequence's length; in
    /// reverse the recurrence starts at each sequence's own last token (as a packed sequence in PyTorch).
    /// Returns the outputs (B, T, H), h_n (B, H) and, for the LSTM, c_n (B, H): contiguous views of one
    /// buffer, so their gradients accumulate without strided copies.
    /// </summary>
    internal static (Tensor Output, Tensor HN, Tensor? CN) Recurrence(CellKind kind, Tensor xproj, Tensor wHh, Tensor? bHh, Tensor? h0, Tensor? c0,
                                                                      int[]? lengths, bool reverse)
    {
        int bsz = xproj.Shape[0], T = xproj.Shape[1], H = wHh.Shape[1];
        var y = RecurrenceFlat(kind, xproj, wHh, bHh, h0, c0, lengths, reverse);
        int bth = bsz * T * H, bh = bsz * H;
        return (FlatView(y, 0, bsz, T, H), FlatView(y, bth, bsz, H), kind == CellKind.Lstm ? FlatView(y, bth + bh, bsz, H) : null);
    }

    /// <summary>A contiguous view of <paramref name="shape"/> at <paramref name="offset"/> in the 1-D tensor <paramref name="flat"/>.</summary>
    private static Tensor FlatView(Tensor flat, int offset, params int[] shape)
    {
        var v = new Tensor(flat.Storage, shape, ShapeUtil.ContiguousStrides(shape), flat.Offset + offset);
        if (!Tensor.NeedsGrad(flat)) return v;
        int n = v.Numel;
        return v.WithGrad("RecurrenceView", new[] { flat }, g =>
        {
            var sink = flat.GradSink().Span.Slice(offset, n);
            TensorPrimitives.Add(sink, g.Span, sink);
        });
    }

    /// <summary>The recurrence into one flat buffer: outputs (B·T·H), then h_n (B·H), then c_n (B·H) for the LSTM.</summary>
    private static unsafe Tensor RecurrenceFlat(CellKind kind, Tensor xproj, Tensor wHh, Tensor? bHh, Tensor? h0, Tensor? c0,
                                             int[]? lengths, bool reverse)
    {
        int bsz = xproj.Shape[0], T = xproj.Shape[1], gh = xproj.Shape[2];
        int gates = RnnKernels.Gates(kind);
        int H = gh / gates;
        bool lstm = kind == CellKind.Lstm, gru = kind == CellKind.Gru, relu = kind == CellKind.RnnRelu;
        int S = lstm ? 2 : 1;
        int aw = RnnKernels.ActWidth(kind, H);
        if (wHh.Shape[0] != gh || wHh.Shape[1] != H) throw new ArgumentException($"weight_hh {ShapeUtil.Format(wHh.Shape)} is not ({gh}, {H})");
        var len = new int[bsz];
        for (int b = 0; b < bsz; b++)
        {
            int l = lengths is null ? T : lengths[b];
            if (l < 1 || l > T) throw new ArgumentOutOfRangeException(nameof(lengths), $"length {l} of sequence {b} is outside 1…{T}");
            len[b] = l;
        }

        var xp = xproj.ContiguousRaw();
        var w = wHh.ContiguousRaw();
        var bias = bHh?.ContiguousRaw();
        var hs = Tensor.Empty(T + 1, bsz, H);                         // states in processing order; [0] = h0
        var cs = lstm ? Tensor.Empty(T + 1, bsz, H) : null;
        var acts = aw > 0 ? Tensor.Empty(T, bsz, aw) : null;
        var scratch = Tensor.Empty(bsz, gh);
        var y = Tensor.Zeros(bsz * T * H + S * bsz * H);
        int hnAt = bsz * T * H, cnAt = hnAt + bsz * H;
        if (h0 is null) hs.Span[..(bsz * H)].Clear(); else h0.ContiguousRaw().Span.CopyTo(hs.Span);
        if (cs is not null) { if (c0 is null) cs.Span[..(bsz * H)].Clear(); else c0.ContiguousRaw().Span.CopyTo(cs.Span); }

        var provider = GemmProviders.Current;
        {
            var xs = xp.Span; var hsS = hs.Span; var ys = y.Span; var sc = scratch.Span;
            var csS = cs is null ? default : cs.Span; var aS = acts is null ? default : acts.Span;
            var bs = bias is null ? default : bias.Span;
            for (int s = 0; s < T; s++)
            {
                int t = reverse ? T - 1 - s : s;
                fixed (float* ph = hsS, pw = w.Storage.Array, pc = sc)
                    provider.Sgemm(false, true, bsz, gh, H, 1f, ph + s * bsz * H, H, pw + w.Offset, H, 0f, pc, gh);
                for (int b = 0; b < bsz; b++)
                {
                    var hPrev = hsS.Slice((s * bsz + b) * H, H);
                    var hNew = hsS.Slice(((s + 1) * bsz + b) * H, H);
                    if (t >= len[b])
                    {
                        hPrev.CopyTo(hNew);
                        if (lstm) csS.Slice((s * bsz + b) * H, H).CopyTo(csS.Slice(((s + 1) * bsz + b) * H, H));
                        continue;
                    }
                    var row = sc.Slice(b * gh, gh);
                    if (!bs.IsEmpty) TensorPrimitives.Add(row, bs, row);
                    var xrow = xs.Slice((b * T + t) * gh, gh);
                    if (gru)
                        RnnKernels.GruForwardRow(xrow, row, hPrev, aS.Slice((s * bsz + b) * aw, aw), hNew);
                    else
                    {
                        TensorPrimitives.Add(row, xrow, row);
                        if (lstm)
                            RnnKernels.LstmForwardRow(row, csS.Slice((s * bsz + b) * H, H), aS.Slice((s * bsz + b) * aw, aw),
                                                      hNew, csS.Slice(((s + 1) * bsz + b) * H, H));
                        else RnnKernels.RnnForwardRow(relu, row, hNew);
                    }
                    hNew.CopyTo(ys.Slice((b * T + t) * H, H));
                }
            }
            for (int b = 0; b < bsz; b++)
            {
                hsS.Slice((T * bsz + b) * H, H).CopyTo(ys.Slice(hnAt + b * H, H));
                if (lstm) csS.Slice((T * bsz + b) * H, H).CopyTo(ys.Slice(cnAt + b * H, H));
            }
        }

        var inputs = new List<Tensor> { xproj, wHh };
        if (bHh is not null) inputs.Add(bHh);
        if (h0 is not null) inputs.Add(h0);
        if (c0 is not null) inputs.Add(c0);
        var inArr = inputs.ToArray();
        if (!Tensor.NeedsGrad(inArr)) return y;
        return y.WithGrad(kind + "Recurrence", inArr, g =>
        {
            var gS = g.Span;
            var dh = Tensor.Empty(bsz, H); var dc = lstm ? Tensor.Empty(bsz, H) : null;
            var dX = Tensor.Zeros(bsz, T, gh);
            var dGall = Tensor.Empty(T, bsz, gh);                       // gradient of W_hh·h + b_hh, processing order
            var dhS = dh.Span; var dcS = dc is null ? default : dc.Span;
            var dXs = dX.Span; var dGs = dGall.Span; var hsS = hs.Span;
            var csS = cs is null ? default : cs.Span; var aS = acts is null ? default : acts.Span;
            Span<float> tanhC = lstm ? new float[H] : default;
            for (int b = 0; b < bsz; b++)
            {
                gS.Slice(hnAt + b * H, H).CopyTo(dhS.Slice(b * H, H));
                if (lstm) gS.Slice(cnAt + b * H, H).CopyTo(dcS.Slice(b * H, H));
            }
            for (int s = T - 1; s >= 0; s--)
            {
                int t = reverse ? T - 1 - s : s;
                var dGs_s = dGs.Slice(s * bsz * gh, bsz * gh);
                for (int b = 0; b < bsz; b++)
                {
                    var dG = dGs_s.Slice(b * gh, gh);
                    if (t >= len[b]) { dG.Clear(); continue; }        // state carried: dh, dc pass straight through
                    var dhb = dhS.Slice(b * H, H);
                    TensorPrimitives.Add(dhb, gS.Slice((b * T + t) * H, H), dhb);
                    var dxrow = dXs.Slice((b * T + t) * gh, gh);
                    int ix = s * bsz + b;
                    if (gru)
                        RnnKernels.GruBackwardRow(aS.Slice(ix * aw, aw), hsS.Slice(ix * H, H), dhb, dxrow, dG, dhb);
                    else
                    {
                        if (lstm)
                        {
                            var dcb = dcS.Slice(b * H, H);
                            RnnKernels.LstmBackwardRow(aS.Slice(ix * aw, aw), csS.Slice(ix * H, H), csS.Slice((ix + bsz) * H, H),
                                                       dhb, dcb, dG, dcb, tanhC);
                        }
                        else RnnKernels.RnnBackwardRow(relu, hsS.Slice((ix + bsz) * H, H), dhb, dG);
                        dG.CopyTo(dxrow);
                        dhb.Clear();
                    }
                }
                // dh_prev += dG·W_hh
                fixed (float* pg = dGs_s, pw = w.Storage.Array, pd = dhS)
                    provider.Sgemm(false, false, bsz, H, gh, 1f, pg, gh, pw + w.Offset, H, 1f, pd, H);
            }
            if (wHh.RequiresGrad)
            {
                var sink = wHh.GradSink();                               // (G·H, H) += Σ_s dG_sᵀ·h_s
                fixed (float* pg = dGs, ph = hsS, pd = sink.Storage.Array)
                    provider.Sgemm(true, false, gh, H, T * bsz, 1f, pg, gh, ph, H, 1f, pd + sink.Offset, H);
            }
            if (bHh is not null && bHh.RequiresGrad)
            {
                var db = bHh.GradSink().Span;
                for (int r = 0; r < T * bsz; r++) TensorPrimitives.Add(db, dGs.Slice(r * gh, gh), db);
            }
            xproj.AccumulateGrad(dX);
            h0?.AccumulateGrad(dh);
            if (dc is not null) c0?.AccumulateGrad(dc);
        });
    }
}
