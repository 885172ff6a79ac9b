namespace EncDec.Data;

/// <summary>A generated conversation and the indices of its turns that answer a question about an earlier turn.</summary>
public sealed record DialogueTaskItem(Conversation Conversation, IReadOnlyList<int> AnswerTurns);
