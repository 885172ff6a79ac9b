namespace EncDec.Tensors;

/// <summary>One recorded operation: its inputs and the closure that accumulates gradients into them.</summary>
public sealed class Node
{
    private static long _created;

    public string Name { get; }
    public Tensor[] Inputs { get; }
    /// <summary>Receives the gradient of the node's output (contiguous, output's shape).</summary>
    internal Action<Tensor> Backward { get; }
    /// <summary>Which of its input and output values the backward closure reads (<see cref="SavedValues.All"/> unless the op says less).</summary>
    internal SavedValues Saves { get; }
    /// <summary>Creation order (increasing over the process): a forward region's nodes are those at or after its mark.</summary>
    internal long Id { get; }

    internal Node(string name, Tensor[] inputs, Action<Tensor> backward, SavedValues saves = SavedValues.All)
    {
        Name = name; Inputs = inputs; Backward = backward; Saves = saves;
        Id = Interlocked.Increment(ref _created);
    }

    /// <summary>The id the next node will get (a region mark for <see cref="Tensor.ReleaseUnsaved"/>).</summary>
    internal static long NextId => Interlocked.Read(ref _created) + 1;

    public override string ToString() => Name;
}

/// <summary>What an op's backward reads besides its incoming gradient: the values of its inputs, of its output, both or neither.</summary>
[Flags]
internal enum SavedValues
{
    None = 0,
    Inputs = 1,
    Output = 2,
    All = Inputs | Output,
}
