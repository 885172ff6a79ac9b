namespace EncDec.Nn;

/// <summary>A tensor or module field that is not part of the module's state (caches, derived tables).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class NotStateAttribute : Attribute { }
