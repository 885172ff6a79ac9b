using EncDec.Generation;

namespace EncDec.Server;

/// <summary>The translations of one job's texts and the batch they were decoded in.</summary>
public sealed record DecodeOutcome(IReadOnlyList<Translation> Results, int BatchTexts, int BatchRequests, double DecodeSeconds);
