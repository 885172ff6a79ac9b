using System.Globalization;
using System.Text;

namespace EncDec.Server;

/// <summary>A Prometheus histogram: cumulative bucket counts, sum and count (thread-safe).</summary>
public sealed class Histogram(double[] upperBounds)
{
    private readonly double[] _bounds = upperBounds;
    private readonly long[] _counts = new long[upperBounds.Length + 1];
    private double _sum;
    private long _count;
    private readonly object _lock = new();

    public void Observe(double value)
    {
        lock (_lock)
        {
            int i = 0;
            while (i < _bounds.Length && value > _bounds[i]) i++;
            _counts[i]++; _sum += value; _count++;
        }
    }

    public long Count { get { lock (_lock) return _count; } }

    /// <summary>Appends the _bucket, _sum and _count lines of <paramref name="name"/>.</summary>
    public void Write(StringBuilder sb, string name, string help)
    {
        lock (_lock)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(" histogram\n");
            long cum = 0;
            for (int i = 0; i < _bounds.Length; i++)
            {
                cum += _counts[i];
                sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{_bounds[i].ToString("R", CultureInfo.InvariantCulture)}\"}} {cum}\n");
            }
            cum += _counts[^1];
            sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"+Inf\"}} {cum}\n");
            sb.Append(CultureInfo.InvariantCulture, $"{name}_sum {_sum.ToString("R", CultureInfo.InvariantCulture)}\n");
            sb.Append(CultureInfo.InvariantCulture, $"{name}_count {_count}\n");
        }
    }
}
