namespace EncDec.Data;

/// <summary>One turn of a conversation: who speaks (a name without whitespace, e.g. <c>user</c>) and what they say.</summary>
public sealed record DialogueTurn(string Speaker, string Text);
