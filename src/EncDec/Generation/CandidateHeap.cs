using System.Numerics;

namespace EncDec.Generation;

/// <summary>Bounded min-heap keeping the best (score, then lower row, then lower token) candidates.</summary>
internal sealed class CandidateHeap(int capacity)
{
    private readonly float[] _scores = new float[capacity];
    private readonly int[] _rows = new int[capacity], _tokens = new int[capacity];

    public int Count { get; private set; }
    public int Row(int i) => _rows[i];
    public int Token(int i) => _tokens[i];
    public void Clear() => Count = 0;
    public bool IsFull => Count == capacity;
    /// <summary>The score of the worst kept candidate (the root); meaningful when <see cref="IsFull"/>.</summary>
    public float WorstScore => _scores[0];

    private bool Worse(int a, int b)
        => _scores[a] < _scores[b] || (_scores[a] == _scores[b] && (_rows[a] > _rows[b] || (_rows[a] == _rows[b] && _tokens[a] > _tokens[b])));

    /// <summary>Offers a candidate; calls come in increasing (row, token) order, so a tie with the root loses.</summary>
    public void Offer(float score, int row, int token)
    {
        if (Count == capacity)
        {
            if (score <= _scores[0]) return;
            _scores[0] = score; _rows[0] = row; _tokens[0] = token;
            SiftDown(0);
            return;
        }
        int i = Count++;
        _scores[i] = score; _rows[i] = row; _tokens[i] = token;
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Worse(i, parent)) break;
            Swap(i, parent); i = parent;
        }
    }

    /// <summary>
    /// Offers every finite (score + log-prob, row, token) of a row, in token order. Once the heap is full, SIMD blocks whose
    /// every sum is ≤ the heap's worst are skipped (the heap would reject each of them; the sums are computed exactly as
    /// the scalar path does).
    /// </summary>
    public void OfferRow(ReadOnlySpan<float> logProbs, float rowScore, int row)
    {
        int width = Vector<float>.Count, t = 0;
        var add = new Vector<float>(rowScore);
        while (t < logProbs.Length)
        {
            if (IsFull && t + width <= logProbs.Length)
            {
                var sums = new Vector<float>(logProbs.Slice(t, width)) + add;
                if (!Vector.GreaterThanAny(sums, new Vector<float>(WorstScore))) { t += width; continue; }
            }
            int end = Math.Min(t + width, logProbs.Length);
            for (; t < end; t++)
            {
                float lp = logProbs[t];
                if (float.IsNegativeInfinity(lp)) continue;
                Offer(rowScore + lp, row, t);
            }
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            int left = 2 * i + 1, worst = i;
            if (left < Count && Worse(left, worst)) worst = left;
            if (left + 1 < Count && Worse(left + 1, worst)) worst = left + 1;
            if (worst == i) return;
            Swap(i, worst); i = worst;
        }
    }

    private void Swap(int a, int b)
    {
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
        (_rows[a], _rows[b]) = (_rows[b], _rows[a]);
        (_tokens[a], _tokens[b]) = (_tokens[b], _tokens[a]);
    }
}
