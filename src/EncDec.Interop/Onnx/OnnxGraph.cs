using System.Runtime.InteropServices;
using EncDec.Tensors;
using Google.Protobuf;
using Onnx;

namespace EncDec.Interop.Onnx;

/// <summary>
/// Builds one ONNX graph through the message classes generated from the official <c>onnx.proto</c>: named inputs and
/// outputs with symbolic (dynamic) dimensions, initializers (one per weight tensor, shared when a tensor is reused, as
/// tied embeddings are), and nodes whose outputs get unique names. Every helper returns the name of its output.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>The opset the exported graphs declare (LayerNormalization needs 17).</summary>
    public const int Opset = 17;
    /// <summary>IR version 8: the one onnx 1.12 (Debian's checker) writes for opset 17.</summary>
    public const long IrVersion = 8;

    private readonly GraphProto _graph;
    private readonly Dictionary<Tensor, string> _weights = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, string> _transposed = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, string> _constants = new();
    private int _next;

    public OnnxGraph(string name) => _graph = new GraphProto { Name = name };

    /// <summary>Declares a graph input; a dimension is an int (fixed) or a string (a named dynamic axis).</summary>
    public string Input(string name, OnnxElementType type, params object[] dims)
    {
        _graph.Input.Add(ValueInfo(name, type, dims));
        Inputs.Add(Describe(name, type, dims));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> as the graph output <paramref name="name"/> (an Identity renames it when needed).</summary>
    public void Output(string value, string name, OnnxElementType type, params object[] dims)
    {
        if (value != name) Node("Identity", [value], output: name);
        _graph.Output.Add(ValueInfo(name, type, dims));
        Outputs.Add(Describe(name, type, dims));
    }

    /// <summary>The declared inputs and outputs, in order.</summary>
    public List<OnnxTensorInfo> Inputs { get; } = new();
    public List<OnnxTensorInfo> Outputs { get; } = new();

    private static OnnxTensorInfo Describe(string name, OnnxElementType type, object[] dims)
        => new(name, type.ToString().ToLowerInvariant(), dims.Select(d => d.ToString()!).ToArray());

    private static ValueInfoProto ValueInfo(string name, OnnxElementType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d switch
            {
                int i => new TensorShapeProto.Types.Dimension { DimValue = i },
                string s => new TensorShapeProto.Types.Dimension { DimParam = s },
                _ => throw new ArgumentException($"dimension {d} is neither int nor string"),
            });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    /// <summary>An initializer holding a float tensor (copied); the same tensor object gives the same initializer.</summary>
    public string Weight(Tensor t, string name)
    {
        if (_weights.TryGetValue(t, out var existing)) return existing;
        var data = t.ToArray();
        _weights[t] = AddFloat(Unique(name), data, t.Shape.Select(d => (long)d).ToArray());
        return _weights[t];
    }

    /// <summary>The transpose (in, out) of a Linear weight (out, in), so that x·Wᵀ is a MatMul; cached per tensor.</summary>
    public string WeightTransposed(Tensor w, string name)
    {
        if (w.Rank != 2) throw new ArgumentException("a transposed weight must be 2-D");
        if (_transposed.TryGetValue(w, out var n)) return n;
        var data = w.Transpose(0, 1).Contiguous().ToArray();                               // (out, in) → (in, out)
        n = AddFloat(Unique(name), data, [w.Shape[1], w.Shape[0]]);
        _transposed[w] = n;
        return n;
    }

    /// <summary>A float initializer from raw values.</summary>
    public string Floats(string name, float[] data, params long[] dims) => AddFloat(Unique(name), data, dims);

    /// <summary>A 1-D int64 constant (shared between uses of the same values).</summary>
    public string Ints(params long[] values) => IntsShaped(values, [values.Length]);

    /// <summary>A 0-D int64 constant.</summary>
    public string IntScalar(long value) => IntsShaped([value], []);

    /// <summary>A 0-D float constant.</summary>
    public string FloatScalar(float value)
    {
        string key = "f:" + BitConverter.SingleToInt32Bits(value);
        if (_constants.TryGetValue(key, out var n)) return n;
        n = AddFloat(Unique("const_f"), [value], []);
        _constants[key] = n;
        return n;
    }

    private string IntsShaped(long[] values, long[] dims)
    {
        string key = "i:" + string.Join(',', dims) + ":" + string.Join(',', values);
        if (_constants.TryGetValue(key, out var n)) return n;
        n = Unique("const_i");
        var t = new TensorProto { Name = n, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        _graph.Initializer.Add(t);
        _constants[key] = n;
        return n;
    }

    private string AddFloat(string name, float[] data, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan()));   // little-endian, as ONNX's raw_data is
        _graph.Initializer.Add(t);
        return name;
    }

    private string Unique(string prefix) => $"{prefix}_{_next++}";

    /// <summary>Adds a node; returns its (first) output name.</summary>
    public string Node(string op, string[] inputs, string? output = null, params (string Name, object Value)[] attributes)
        => NodeMulti(op, inputs, 1, output is null ? null : [output], attributes)[0];

    /// <summary>Adds a node with <paramref name="outputs"/> outputs.</summary>
    public string[] NodeMulti(string op, string[] inputs, int outputs, string[]? outputNames = null, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Unique(op) };
        node.Input.AddRange(inputs);
        var outs = outputNames ?? Enumerable.Range(0, outputs).Select(_ => Unique(op.ToLowerInvariant())).ToArray();
        node.Output.AddRange(outs);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        _graph.Node.Add(node);
        return outs;
    }

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
        long[] ls => WithInts(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints }, ls),
        _ => throw new ArgumentException($"unsupported attribute {name}"),
    };

    private static AttributeProto WithInts(AttributeProto a, long[] values) { a.Ints.AddRange(values); return a; }

    // ---- common compositions -------------------------------------------------------------------------------

    /// <summary>x (…, in) · Wᵀ + b → (…, out) for a PyTorch-layout weight (out, in).</summary>
    public string Linear(string x, Nn.Linear lin, string name)
    {
        var y = Node("MatMul", [x, WeightTransposed(lin.Weight, name + ".weight")]);       // (…, in) · (in, out) → (…, out)
        return lin.Bias is null ? y : Node("Add", [y, Weight(lin.Bias, name + ".bias")]);
    }

    public string Add(string a, string b) => Node("Add", [a, b]);
    public string Mul(string a, string b) => Node("Mul", [a, b]);
    public string MatMul(string a, string b) => Node("MatMul", [a, b]);
    public string Tanh(string a) => Node("Tanh", [a]);
    public string Sigmoid(string a) => Node("Sigmoid", [a]);
    public string Reshape(string x, params long[] shape) => Node("Reshape", [x, Ints(shape)]);
    public string Transpose(string x, params long[] perm) => Node("Transpose", [x], null, ("perm", perm));
    public string Unsqueeze(string x, params long[] axes) => Node("Unsqueeze", [x, Ints(axes)]);
    public string Concat(long axis, params string[] xs) => Node("Concat", xs, null, ("axis", axis));
    public string Softmax(string x) => Node("Softmax", [x], null, ("axis", -1L));

    /// <summary>Columns [start, end) of the last axis.</summary>
    public string SliceLast(string x, long start, long end) => Node("Slice", [x, Ints(start), Ints(end), Ints(-1)]);

    /// <summary>LayerNormalization over the last axis (opset 17).</summary>
    public string LayerNorm(string x, Nn.LayerNorm ln, string name)
        => Node("LayerNormalization", [x, Weight(ln.Weight, name + ".weight"), Weight(ln.Bias, name + ".bias")], null,
                ("axis", -1L), ("epsilon", ln.Eps));

    /// <summary>The model proto around this graph.</summary>
    public ModelProto ToModel(string docString)
    {
        var m = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "encdec",
            ProducerVersion = typeof(OnnxGraph).Assembly.GetName().Version?.ToString() ?? "0",
            DocString = docString,
            Graph = _graph,
        };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return m;
    }

    /// <summary>Writes the model atomically.</summary>
    public void Save(string path, string docString)
    {
        var model = ToModel(docString);
        AtomicFile.Write(path, s => model.WriteTo(s));
    }
}
