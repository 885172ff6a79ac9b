namespace EncDec.Tensors;

/// <summary>One recorded operation: its inputs and the closure that accumulates gradients into them.</summary>
public sealed class Node
{
    public string Name { get; }
    public Tensor[] Inputs { get; }
    /// <summary>Receives the gradient of the node's output (contiguous, output's shape).</summary>
    internal Action<Tensor> Backward { get; }

    internal Node(string name, Tensor[] inputs, Action<Tensor> backward)
    {
        Name = name; Inputs = inputs; Backward = backward;
    }

    public override string ToString() => Name;
}
