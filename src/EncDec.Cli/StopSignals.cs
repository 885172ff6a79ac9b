using System.Runtime.InteropServices;

namespace EncDec.Cli;

/// <summary>
/// SIGINT / SIGTERM during a training command: the first one asks the trainer to stop after the current step
/// (it then writes a checkpoint); a second one exits at once with 130 / 143 (every file is written atomically, so
/// nothing is left half-written). The default action (killing the process) is cancelled while this is alive.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TextWriter _out;
    private int _received;   // the first signal's number (2 or 15), 0 before any

    /// <summary>Called just before a second SIGINT ends the process (e.g. to remove a lock file).</summary>
    public Action? BeforeImmediateExit { get; set; }

    public StopSignals(CancellationToken outer, TextWriter stdout)
    {
        _out = stdout;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _registrations = OperatingSystem.IsWindows()
            ? [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal)]
            : [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Cancelled by the first signal (or by the outer token).</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>The signal that stopped the run: "SIGINT" or "SIGTERM"; null when none came (a cancelled outer token counts as SIGINT).</summary>
    public string? SignalName => Volatile.Read(ref _received) switch
    {
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => _cts.IsCancellationRequested ? "SIGINT" : null,
    };

    /// <summary>The exit code for a stopped run: 128 + the signal number (130 for SIGINT, 143 for SIGTERM).</summary>
    public int ExitCode => SignalName == "SIGTERM" ? 143 : 130;

    public bool Stopped => _cts.IsCancellationRequested;

    private void OnSignal(PosixSignalContext ctx)
    {
        ctx.Cancel = true;
        int number = ctx.Signal == PosixSignal.SIGTERM ? 15 : 2;
        string name = number == 15 ? "SIGTERM" : "SIGINT";
        if (Interlocked.CompareExchange(ref _received, number, 0) == 0)
        {
            Say($"{name}: stopping after the current step and saving a checkpoint (send it again to stop at once)");
            try { _cts.Cancel(); }
            catch (Exception e) when (e is AggregateException or ObjectDisposedException) { /* a callback failed or the run is over: stop anyway */ }
            return;
        }
        // a second signal (of either kind) ends the process now: a run busy before its first step (reading a corpus,
        // training a tokenizer) does not look at the stop request, and every file is written atomically
        Say($"second {name}: stopped at once, without a new checkpoint (no file is left half-written); run the same command to resume from the last one");
        try { BeforeImmediateExit?.Invoke(); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* best effort */ }
        Environment.Exit(ExitCode);
    }

    /// <summary>Writes one line from the signal handler; a closed or broken output is no reason to crash there.</summary>
    private void Say(string line)
    {
        try { _out.WriteLine(line); _out.Flush(); }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { /* nobody to tell */ }
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
