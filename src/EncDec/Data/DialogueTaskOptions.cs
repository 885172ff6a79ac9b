namespace EncDec.Data;

/// <summary>Sizes of the generated memory dialogues (<see cref="DialogueTask"/>).</summary>
/// <param name="Kinds">How many kinds of fact are used (1–4: name, number of cats, favourite colour, city).</param>
/// <param name="Values">Values per kind (1–20): a guess without the history is right 1/Values of the time.</param>
/// <param name="Facts">Facts the user states per conversation (1–Kinds), each in its own turn.</param>
/// <param name="Questions">Questions about stated facts at the end (1–Facts).</param>
/// <param name="SmallTalk">Probability of a small-talk exchange after each fact (puts more turns between a fact and its question).</param>
public sealed record DialogueTaskOptions(int Kinds = 4, int Values = 20, int Facts = 3, int Questions = 2, double SmallTalk = 0.3);
