using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>A tensor whose shape differs between a state dict and the model it is loaded into (see <see cref="LoadReport"/>).</summary>
public sealed record ShapeMismatch(string Name, int[] Expected, int[] Found)
{
    public override string ToString() => $"{Name}: expected {ShapeUtil.Format(Expected)}, found {ShapeUtil.Format(Found)}";
}
