namespace EncDec.Nn;

/// <summary>Overrides the state-dict name of a field (default: the field name in snake_case).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class StateNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
