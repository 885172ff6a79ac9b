using EncDec.Tensors;

namespace EncDec.Optim;

/// <summary>
/// Base optimizer: parameter groups, lazily created persistent state per parameter, state dicts.
/// Parameters whose <see cref="Tensor.Grad"/> is null are skipped by <see cref="Step"/>.
/// </summary>
public abstract class Optimizer
{
    private readonly List<ParamGroup> _groups;
    private readonly Dictionary<string, Tensor> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ParamStateSlots> _state = new(StringComparer.Ordinal);
    private float[] _scratch = Array.Empty<float>();
    private double _lr;

    /// <summary>Mutable state of one parameter.</summary>
    protected sealed class ParamStateSlots
    {
        public long Step;
        public readonly Dictionary<string, Tensor> Slots = new(StringComparer.Ordinal);
    }

    protected Optimizer(IEnumerable<ParamGroup> groups, OptimizerOptions options, OptimizerKind expected)
    {
        if (options.Kind != expected) throw new ArgumentException($"options are for {options.Kind}, not {expected}");
        if (options.Lr < 0 || double.IsNaN(options.Lr)) throw new ArgumentOutOfRangeException(nameof(options), $"invalid learning rate {options.Lr}");
        if (options.WeightDecay < 0) throw new ArgumentOutOfRangeException(nameof(options), $"invalid weight decay {options.WeightDecay}");
        Options = options;
        _groups = groups.ToList();
        if (_groups.Count == 0) throw new ArgumentException("optimizer got no parameter groups");
        foreach (var g in _groups)
        {
            g.WeightDecay = g.WeightDecayOverride ?? options.WeightDecay;
            foreach (var (name, p) in g.Params)
            {
                if (!_byName.TryAdd(name, p)) throw new ArgumentException($"parameter '{name}' appears more than once");
                if (!p.IsContiguous) throw new ArgumentException($"parameter '{name}' is not contiguous");
            }
        }
        Lr = options.Lr;
    }

    public OptimizerOptions Options { get; private set; }
    public IReadOnlyList<ParamGroup> Groups => _groups;
    /// <summary>Number of completed <see cref="Step"/> calls.</summary>
    public long StepCount { get; private set; }

    /// <summary>The base learning rate; setting it sets every group's lr to value × its LrScale (schedulers use this).</summary>
    public double Lr
    {
        get => _lr;
        set
        {
            _lr = value;
            foreach (var g in _groups) g.Lr = value * g.LrScale;
        }
    }

    /// <summary>Makes a single group from named parameters.</summary>
    protected static IEnumerable<ParamGroup> OneGroup(IEnumerable<(string Name, Tensor Param)> parameters) => new[] { new ParamGroup(parameters) };

    /// <summary>Creates the optimizer named by <paramref name="options"/>.</summary>
    public static Optimizer Create(OptimizerOptions options, IEnumerable<ParamGroup> groups) => options.Kind switch
    {
        OptimizerKind.Sgd => new Sgd(groups, options),
        OptimizerKind.Adam => new Adam(groups, options),
        OptimizerKind.AdamW => new AdamW(groups, options),
        OptimizerKind.Adagrad => new Adagrad(groups, options),
        _ => throw new ArgumentOutOfRangeException(nameof(options), $"unknown optimizer {options.Kind}"),
    };

    public static Optimizer Create(OptimizerOptions options, IEnumerable<(string Name, Tensor Param)> parameters) => Create(options, OneGroup(parameters));

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        foreach (var g in _groups)
        {
            foreach (var (name, p) in g.Params)
            {
                var grad = p.Grad;
                if (grad is null) continue;
                if (!ShapeUtil.SameShape(grad.Shape, p.Shape))
                    throw new InvalidOperationException($"gradient of '{name}' has shape {ShapeUtil.Format(grad.Shape)}, parameter {ShapeUtil.Format(p.Shape)}");
                if (!_state.TryGetValue(name, out var st)) _state[name] = st = new ParamStateSlots();
                st.Step++;
                Update(g, p.Span, grad.ContiguousRaw().Span, st, p.Shape);
            }
        }
        StepCount++;
    }

    /// <summary>Clears gradients (to null by default, as PyTorch 2 does).</summary>
    public void ZeroGrad(bool setToNull = true)
    {
        foreach (var g in _groups)
            foreach (var (_, p) in g.Params) p.ZeroGrad(setToNull);
    }

    /// <summary>
    /// Updates one parameter in place. <paramref name="state"/>.Step was already incremented for this update.
    /// </summary>
    protected abstract void Update(ParamGroup group, Span<float> param, ReadOnlySpan<float> grad, ParamStateSlots state, int[] shape);

    /// <summary>The state tensor <paramref name="slot"/> of a parameter, created persistent on first use with <paramref name="init"/>.</summary>
    protected static Span<float> Slot(ParamStateSlots state, string slot, int[] shape, float init, out bool created)
    {
        created = false;
        if (!state.Slots.TryGetValue(slot, out var t))
        {
            using (TensorScope.Suspend()) t = Tensor.ZerosPersistent(shape);
            if (init != 0) t.Span.Fill(init);
            state.Slots[slot] = t;
            created = true;
        }
        return t.Span;
    }

    /// <summary>A reusable temporary buffer of at least <paramref name="n"/> floats.</summary>
    protected Span<float> Scratch(int n)
    {
        if (_scratch.Length < n) _scratch = new float[Math.Max(n, _scratch.Length * 2)];
        return _scratch.AsSpan(0, n);
    }

    /// <summary>A copy of the optimizer's state (tensors are persistent copies, safe to keep while training continues).</summary>
    public OptimizerStateDict StateDict()
    {
        var state = new Dictionary<string, ParamState>(StringComparer.Ordinal);
        using (TensorScope.Suspend())
        {
            foreach (var (name, st) in _state)
            {
                var slots = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                foreach (var (slot, t) in st.Slots)
                {
                    var c = Tensor.ZerosPersistent(t.Shape);
                    t.Span.CopyTo(c.Span);
                    slots[slot] = c;
                }
                state[name] = new ParamState(st.Step, slots);
            }
        }
        var groups = _groups.Select(g => new ParamGroupState(g.Params.Select(p => p.Name).ToArray(), g.Lr, g.LrScale, g.WeightDecay)).ToArray();
        return new OptimizerStateDict(Options, StepCount, _lr, groups, state);
    }

    /// <summary>
    /// Restores a state produced by <see cref="StateDict"/> of an optimizer of the same kind over parameters with
    /// the same names and shapes. Throws <see cref="ArgumentException"/> naming the offending parameter or slot.
    /// </summary>
    public void LoadStateDict(OptimizerStateDict dict)
    {
        if (dict.Options.Kind != Options.Kind)
            throw new ArgumentException($"optimizer state is for {dict.Options.Kind}, this optimizer is {Options.Kind}");
        if (dict.Groups.Count != _groups.Count)
            throw new ArgumentException($"optimizer state has {dict.Groups.Count} parameter groups, this optimizer has {_groups.Count}");
        for (int i = 0; i < _groups.Count; i++)
        {
            var mine = _groups[i].Params.Select(p => p.Name).ToArray();
            if (!mine.SequenceEqual(dict.Groups[i].ParamNames, StringComparer.Ordinal))
                throw new ArgumentException($"parameter group {i} differs: state has [{string.Join(", ", dict.Groups[i].ParamNames)}], optimizer has [{string.Join(", ", mine)}]");
        }
        var newState = new Dictionary<string, ParamStateSlots>(StringComparer.Ordinal);
        using (TensorScope.Suspend())
        {
            foreach (var (name, ps) in dict.State)
            {
                if (!_byName.TryGetValue(name, out var p)) throw new ArgumentException($"optimizer state for unknown parameter '{name}'");
                var st = new ParamStateSlots { Step = ps.Step };
                foreach (var (slot, t) in ps.Slots)
                {
                    if (!ShapeUtil.SameShape(t.Shape, p.Shape))
                        throw new ArgumentException($"optimizer state '{name}.{slot}' has shape {ShapeUtil.Format(t.Shape)}, parameter has {ShapeUtil.Format(p.Shape)}");
                    var c = Tensor.ZerosPersistent(p.Shape);
                    t.CopyTo(c.Span);
                    st.Slots[slot] = c;
                }
                newState[name] = st;
            }
        }
        _state.Clear();
        foreach (var kv in newState) _state[kv.Key] = kv.Value;
        Options = dict.Options;
        StepCount = dict.StepCount;
        _lr = dict.Lr;
        for (int i = 0; i < _groups.Count; i++)
        {
            _groups[i].Lr = dict.Groups[i].Lr;
            _groups[i].LrScale = dict.Groups[i].LrScale;
            _groups[i].WeightDecay = dict.Groups[i].WeightDecay;
        }
    }
}
