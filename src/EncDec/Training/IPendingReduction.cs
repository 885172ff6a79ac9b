namespace EncDec.Training;

/// <summary>A reduction that was started; <see cref="Wait"/> blocks until its result is in the buffer.</summary>
public interface IPendingReduction
{
    /// <summary>Blocks until done. Throws when the group failed (a rank died, or the wait timed out).</summary>
    void Wait();
}
