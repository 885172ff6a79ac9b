namespace EncDec.Tensors;

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
