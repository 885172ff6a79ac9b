namespace EncDec.Distributed;

/// <summary>A collective operation did not complete in time: the group cannot go on.</summary>
public sealed class CollectiveTimeoutException(string message) : Exception(message);
