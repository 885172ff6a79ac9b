namespace EncDec.Generation;

/// <summary>A token produced by greedy or sampled decoding (EOS included, as the last event of a sequence).</summary>
/// <param name="SourceIndex">Which source it belongs to.</param>
/// <param name="Token">The token id.</param>
/// <param name="Step">Its 0-based output position.</param>
/// <param name="SequenceIndex">Which of the NBest samples of that source.</param>
public readonly record struct StreamEvent(int SourceIndex, int Token, int Step, int SequenceIndex = 0);
