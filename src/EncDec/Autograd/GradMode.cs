namespace EncDec.Autograd;

/// <summary>
/// Whether operations record a backward tape on this thread. Under <see cref="NoGrad"/> no node is created
/// and no input is retained, so inference pays nothing for autograd.
/// </summary>
public static class GradMode
{
    [ThreadStatic] private static int _disabled;

    public static bool IsEnabled => _disabled == 0;

    /// <summary><c>using (GradMode.NoGrad()) { ... }</c>: no tape is recorded inside.</summary>
    public static Region NoGrad() { _disabled++; return new Region(true); }

    /// <summary>Re-enables recording inside a NoGrad region.</summary>
    public static Region EnableGrad() { int saved = _disabled; _disabled = 0; return new Region(false, saved); }

    public readonly struct Region : IDisposable
    {
        private readonly bool _isNoGrad;
        private readonly int _saved;
        internal Region(bool isNoGrad, int saved = 0) { _isNoGrad = isNoGrad; _saved = saved; }
        public void Dispose()
        {
            if (_isNoGrad) _disabled--;
            else _disabled = _saved;
        }
    }
}

/// <summary>One recorded operation: its inputs and the closure that accumulates gradients into them.</summary>
public sealed class Node
{
    public string Name { get; }
    public Tensors.Tensor[] Inputs { get; }
    /// <summary>Receives the gradient of the node's output (contiguous, output's shape).</summary>
    internal Action<Tensors.Tensor> Backward { get; }

    internal Node(string name, Tensors.Tensor[] inputs, Action<Tensors.Tensor> backward)
    {
        Name = name; Inputs = inputs; Backward = backward;
    }

    public override string ToString() => Name;
}
