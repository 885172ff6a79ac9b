using System.Text.Json;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests;

/// <summary>
/// One named array of a fixture group: its shape and row-major values. Float arrays keep their
/// float32 values; integer arrays (dtype int64: ids, targets, masks) are stored in <see cref="Ints"/>
/// and also as floats in <see cref="Data"/> (exact for |v| &lt; 2^24).
/// </summary>
public sealed record FixtureArray(string Name, string DType, int[] Shape, float[] Data, long[]? Ints)
{
    public bool IsInteger => Ints is not null;

    /// <summary>A new tensor with these values (use <c>RequiresGrad_()</c> for a leaf parameter).</summary>
    public Tensor ToTensor() => Tensor.FromArray((float[])Data.Clone(), Shape);

    /// <summary>The values as an index tensor (int64 fixtures only).</summary>
    public IndexTensor ToIndexTensor()
    {
        if (Ints is null) throw new InvalidOperationException($"fixture {Name} is {DType}, not an integer array");
        return IndexTensor.FromInt64(Ints, Shape.Length == 0 ? new[] { 1 } : Shape);
    }

    /// <summary>The single value of a scalar integer fixture.</summary>
    public int ToInt() => Ints is { Length: 1 } i ? checked((int)i[0]) : throw new InvalidOperationException($"fixture {Name} is not one integer");

    /// <summary>The single value of a one-element float fixture.</summary>
    public float ToFloat() => Data.Length == 1 ? Data[0] : throw new InvalidOperationException($"fixture {Name} has {Data.Length} values");
}

/// <summary>
/// Reads golden-value fixtures written by <c>tests/fixtures/make_fixtures.py</c> (PyTorch). A group is
/// one JSON file, <c>fixtures/&lt;group&gt;.json</c> next to the test assembly:
/// <c>{"name": {"dtype": "float32"|"int64", "shape": [...], "data": [...]}}</c> with non-finite floats
/// as the strings "nan", "inf", "-inf". Groups are parsed once and cached.
/// </summary>
public static class Fixtures
{
    private static readonly Dictionary<string, IReadOnlyDictionary<string, FixtureArray>> Cache = new();

    /// <summary>The directory holding the fixture files.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "fixtures");

    /// <summary>All arrays of <paramref name="group"/> by name.</summary>
    public static IReadOnlyDictionary<string, FixtureArray> Load(string group)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(group, out var cached)) return cached;
            var path = Path.Combine(Directory, group + ".json");
            if (!File.Exists(path))
                throw new FileNotFoundException($"fixture group '{group}' not found at {path}; run /usr/bin/python3 tests/fixtures/make_fixtures.py --only {group}", path);
            var parsed = Parse(File.ReadAllBytes(path), path);
            Cache[group] = parsed;
            return parsed;
        }
    }

    /// <summary>Parses one fixture file's bytes (exposed for tests of the format itself).</summary>
    public static IReadOnlyDictionary<string, FixtureArray> Parse(byte[] json, string source = "<memory>")
    {
        using var doc = JsonDocument.Parse(json);
        var result = new Dictionary<string, FixtureArray>();
        foreach (var entry in doc.RootElement.EnumerateObject())
        {
            var e = entry.Value;
            string dtype = e.TryGetProperty("dtype", out var dt) ? dt.GetString() ?? "float32" : "float32";   // files without dtype are float32
            var shape = e.GetProperty("shape").EnumerateArray().Select(s => s.GetInt32()).ToArray();
            var data = e.GetProperty("data");
            int n = data.GetArrayLength();
            if (n != ShapeUtil.Numel(shape))
                throw new InvalidDataException($"{source}: {entry.Name} has {n} values for shape {ShapeUtil.Format(shape)}");
            var floats = new float[n];
            long[]? ints = null;
            int i = 0;
            switch (dtype)
            {
                case "float32":
                    foreach (var v in data.EnumerateArray()) floats[i++] = ReadFloat(v);
                    break;
                case "int64":
                    ints = new long[n];
                    foreach (var v in data.EnumerateArray()) { ints[i] = v.GetInt64(); floats[i] = ints[i]; i++; }
                    break;
                default:
                    throw new InvalidDataException($"{source}: {entry.Name} has unknown dtype {dtype}");
            }
            result[entry.Name] = new FixtureArray(entry.Name, dtype, shape, floats, ints);
        }
        return result;
    }

    private static float ReadFloat(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetSingle(),
        JsonValueKind.String => v.GetString() switch
        {
            "nan" => float.NaN,
            "inf" => float.PositiveInfinity,
            "-inf" => float.NegativeInfinity,
            var s => throw new InvalidDataException($"bad float '{s}' in fixture"),
        },
        _ => throw new InvalidDataException($"bad value kind {v.ValueKind} in fixture"),
    };

    /// <summary>‖actual − expected‖₂ / max(‖expected‖₂, 1e-12), accumulated in double.</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length) return double.PositiveInfinity;
        double diff = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            diff += d * d; norm += (double)expected[i] * expected[i];
        }
        return Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), 1e-12);
    }

    /// <summary>
    /// Asserts that <paramref name="actual"/> has the fixture's shape and values within a norm-wise relative
    /// error <paramref name="rtol"/> (see <see cref="RelativeError"/>); non-finite values must match exactly.
    /// </summary>
    public static void AssertClose(FixtureArray expected, Tensor? actual, double rtol = 1e-5, string? what = null)
    {
        what ??= expected.Name;
        Assert.True(actual is not null, $"{what}: no tensor (missing gradient?)");
        Assert.True(ShapeUtil.SameShape(actual!.Shape, expected.Shape),
            $"{what}: shape {ShapeUtil.Format(actual.Shape)}, expected {ShapeUtil.Format(expected.Shape)}");
        var a = actual.ToArray(); var e = expected.Data;
        var fa = new List<float>(); var fe = new List<float>();
        for (int i = 0; i < a.Length; i++)
        {
            if (!float.IsFinite(e[i]))
            {
                Assert.True(a[i].Equals(e[i]), $"{what}[{i}]: {a[i]}, expected {e[i]}");
                continue;
            }
            fa.Add(a[i]); fe.Add(e[i]);
        }
        double rel = RelativeError(fa.ToArray(), fe.ToArray());
        int worst = 0; double worstAbs = -1;
        for (int i = 0; i < fa.Count; i++) { double d = Math.Abs(fa[i] - fe[i]); if (!(d <= worstAbs)) { worstAbs = d; worst = i; } }
        Assert.True(rel < rtol, $"{what}: relative error {rel:E3} >= {rtol:E1} (worst element {worst}: {(fa.Count > 0 ? fa[worst] : 0)} vs {(fe.Count > 0 ? fe[worst] : 0)})");
    }
}
