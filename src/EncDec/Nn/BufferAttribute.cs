namespace EncDec.Nn;

/// <summary>A tensor field that is state (saved in the state dict) but not a trainable parameter.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class BufferAttribute : Attribute { }
