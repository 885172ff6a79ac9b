namespace EncDec.Generation;

/// <summary>
/// Progress of one hypothesis on the required phrases: which phrases are met, and the phrase (if any) whose
/// first <see cref="Position"/> tokens end the output so far.
/// </summary>
internal readonly record struct ConstraintState(ulong Met, int Phrase, int Position)
{
    public static readonly ConstraintState Start = new(0, -1, 0);
}
