using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// Base of every layer and model. Parameters, buffers and submodules are discovered from the instance's
/// fields (and auto-properties) by reflection, so registering one cannot be forgotten: a <see cref="Tensor"/>
/// field is a parameter (or a buffer with <see cref="BufferAttribute"/>), a <see cref="Module"/> field is a
/// submodule, and a <see cref="ModuleList{T}"/> names its children 0, 1, 2…. Names are the fields' names in
/// snake_case joined with dots (<c>encoder.layers.0.self_attn.q_proj.weight</c>) and are the checkpoint keys.
/// A tensor reachable under two names (tied weights) is listed once, under the first name.
/// </summary>
public abstract class Module
{
    private enum Kind { Parameter, Buffer, Module }
    private sealed record Member(string Name, Kind Kind, Func<object, object?> Get, Action<object, object?>? Set);

    private static readonly ConcurrentDictionary<Type, Member[]> MemberCache = new();

    /// <summary>True in training mode (dropout active), false after <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Sets training mode on this module and every submodule.</summary>
    public Module Train(bool on = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = on;
        return this;
    }

    /// <summary>Evaluation mode (dropout off) for this module and every submodule.</summary>
    public Module Eval() => Train(false);

    /// <summary>Direct children: (name, module).</summary>
    public virtual IEnumerable<(string Name, Module Module)> Children()
    {
        foreach (var mem in Members(GetType()))
            if (mem.Kind == Kind.Module && mem.Get(this) is Module m) yield return (mem.Name, m);
    }

    /// <summary>This module and all descendants with dotted names ("" for this one), each once.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(string, Module)>();
        stack.Push(("", this));
        var order = new List<(string, Module)>();
        // depth-first in declaration order
        void Visit(string prefix, Module m)
        {
            if (!seen.Add(m)) return;
            order.Add((prefix, m));
            foreach (var (n, c) in m.Children()) Visit(prefix.Length == 0 ? n : prefix + "." + n, c);
        }
        Visit("", this);
        return order;
    }

    /// <summary>Own tensors of the given kind (not recursing).</summary>
    private IEnumerable<(string Name, Tensor Tensor)> OwnTensors(Kind kind)
    {
        foreach (var mem in Members(GetType()))
            if (mem.Kind == kind && mem.Get(this) is Tensor t) yield return (mem.Name, t);
        if (kind == Kind.Parameter)
            foreach (var p in DynamicParameters()) yield return p;
    }

    /// <summary>
    /// Parameters whose number depends on constructor arguments (e.g. a recurrent layer's
    /// <c>weight_ih_l{k}</c> per layer and direction), listed after the reflected fields in this order.
    /// </summary>
    protected virtual IEnumerable<(string Name, Tensor Param)> DynamicParameters() => [];

    /// <summary>Random generators this module itself draws from while running (dropout masks); none by default.</summary>
    protected virtual IEnumerable<Rng> OwnGenerators() => [];

    /// <summary>
    /// Every distinct random generator used by this module and its descendants, in traversal order (a generator
    /// shared by many layers is listed once). A trainer saves and restores their states for exact resume.
    /// </summary>
    public IReadOnlyList<Rng> Generators()
    {
        var seen = new HashSet<Rng>(ReferenceEqualityComparer.Instance);
        var list = new List<Rng>();
        foreach (var (_, m) in NamedModules())
            foreach (var g in m.OwnGenerators())
                if (seen.Add(g)) list.Add(g);
        return list;
    }

    /// <summary>All trainable parameters with dotted names; tied tensors appear once.</summary>
    public IEnumerable<(string Name, Tensor Param)> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, m) in NamedModules())
            foreach (var (n, t) in m.OwnTensors(Kind.Parameter))
                if (seen.Add(t)) yield return (Join(prefix, n), t);
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Param);

    /// <summary>All buffers (saved, not trained) with dotted names.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, m) in NamedModules())
            foreach (var (n, t) in m.OwnTensors(Kind.Buffer))
                if (seen.Add(t)) yield return (Join(prefix, n), t);
    }

    /// <summary>Number of trainable scalars (tied weights counted once).</summary>
    public long ParameterCount => NamedParameters().Sum(p => (long)p.Param.Numel);

    /// <summary>Parameters and buffers by name (the tensors themselves, not copies).</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (n, t) in NamedParameters()) d[n] = t;
        foreach (var (n, t) in NamedBuffers()) d.TryAdd(n, t);
        return d;
    }

    /// <summary>
    /// Copies values from <paramref name="state"/> into this module's tensors. With <paramref name="strict"/>,
    /// missing or unexpected keys are an error; a shape mismatch always is. The message lists the first problems and a
    /// count of the rest; nothing is copied when it throws. The library's one loader (<see cref="StateDictLoader"/>).
    /// </summary>
    public LoadReport LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
        => StateDictLoader.Load(state, StateDict(), strict, sourcePath: null, StateDictLoader.MessageStyle.Itemized, mismatchAlwaysFails: true);

    /// <summary>Drops every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    private static Member[] Members(Type type) => MemberCache.GetOrAdd(type, Discover);

    private static Member[] Discover(Type type)
    {
        var chain = new List<Type>();
        for (var t = type; t is not null && t != typeof(Module) && t != typeof(object); t = t.BaseType) chain.Add(t);
        chain.Reverse();
        var members = new List<Member>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in chain)
        {
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Kind kind;
                if (typeof(Tensor).IsAssignableFrom(f.FieldType)) kind = Kind.Parameter;
                else if (typeof(Module).IsAssignableFrom(f.FieldType)) kind = Kind.Module;
                else continue;
                var (attrSource, baseName) = SourceOf(t, f);
                if (attrSource.GetCustomAttribute<NotStateAttribute>() is not null || f.GetCustomAttribute<NotStateAttribute>() is not null) continue;
                if (kind == Kind.Parameter && (attrSource.GetCustomAttribute<BufferAttribute>() is not null || f.GetCustomAttribute<BufferAttribute>() is not null)) kind = Kind.Buffer;
                var custom = attrSource.GetCustomAttribute<StateNameAttribute>() ?? f.GetCustomAttribute<StateNameAttribute>();
                string name = custom?.Name ?? ToSnakeCase(baseName);
                if (!names.Add(name)) throw new InvalidOperationException($"{type.Name}: two state members are named '{name}'");
                var field = f;
                members.Add(new Member(name, kind, o => field.GetValue(o), (o, v) => field.SetValue(o, v)));
            }
        }
        return members.ToArray();
    }

    /// <summary>For an auto-property's backing field, the property (attributes and name); else the field.</summary>
    private static (MemberInfo, string) SourceOf(Type t, FieldInfo f)
    {
        const string suffix = ">k__BackingField";
        if (f.Name.StartsWith('<') && f.Name.EndsWith(suffix))
        {
            string prop = f.Name[1..^suffix.Length];
            var p = t.GetProperty(prop, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
            return (p ?? (MemberInfo)f, prop);
        }
        return (f, f.Name);
    }

    /// <summary>"QProj" / "_qProj" / "selfAttn" → "q_proj" / "q_proj" / "self_attn".</summary>
    public static string ToSnakeCase(string name)
    {
        name = name.TrimStart('_');
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool prevLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool nextLower = i + 1 < name.Length && char.IsLower(name[i + 1]) && i > 0 && char.IsUpper(name[i - 1]);
                if (sb.Length > 0 && (prevLowerOrDigit || nextLower) && sb[^1] != '_') sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
