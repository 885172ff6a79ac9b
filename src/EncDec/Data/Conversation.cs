namespace EncDec.Data;

/// <summary>A conversation: its turns, oldest first, and the 1-based line of the JSONL file it came from (0 when generated).</summary>
public sealed record Conversation(IReadOnlyList<DialogueTurn> Turns, long Line = 0);
