namespace EncDec.Data;

/// <summary>
/// A generated multi-turn task whose answers depend on earlier turns: the user states facts one turn at a time ("my name
/// is olga", "i have 7 cats", …; the bot answers "noted"), with optional small talk in between, then asks about some of
/// them ("what is my name ?"); the bot's answer is the value stated two or more user turns before. Without the history a
/// model can only guess among <see cref="DialogueTaskOptions.Values"/> values. Seeded: the same seed gives the same
/// conversations.
/// </summary>
public static class DialogueTask
{
    public const string User = "user";
    public const string Bot = "bot";
    public const string Acknowledgement = "noted";

    private static readonly string[][] ValuesByKind =
    [
        ["anna", "boris", "carla", "dmitri", "elena", "farid", "greta", "hugo", "irene", "jonas",
         "kira", "lars", "mona", "nils", "olga", "pavel", "rosa", "sven", "tara", "umar"],
        ["2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21"],
        ["red", "blue", "green", "yellow", "purple", "orange", "pink", "brown", "black", "white",
         "grey", "violet", "indigo", "teal", "gold", "silver", "beige", "maroon", "navy", "olive"],
        ["paris", "berlin", "madrid", "rome", "oslo", "vienna", "prague", "lisbon", "dublin", "warsaw",
         "athens", "riga", "sofia", "bern", "kyiv", "minsk", "tallinn", "zagreb", "porto", "lyon"],
    ];

    private static readonly string[] StatementTemplates = ["my name is {0}", "i have {0} cats", "my favourite colour is {0}", "i live in {0}"];
    private static readonly string[] QuestionTemplates = ["what is my name ?", "how many cats do i have ?", "what is my favourite colour ?", "where do i live ?"];
    private static readonly (string User, string Bot)[] SmallTalkTurns =
    [
        ("the weather is nice today", "indeed it is"), ("i like trains", "trains are great"),
        ("do you sleep ?", "never"), ("tell me a joke", "i am not funny"), ("how are you ?", "fine thanks"),
    ];

    public static List<DialogueTaskItem> Generate(int count, int seed, DialogueTaskOptions? options = null)
    {
        var o = options ?? new DialogueTaskOptions();
        if (o.Kinds is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(options), "kinds must be in 1–4");
        if (o.Values is < 1 or > 20) throw new ArgumentOutOfRangeException(nameof(options), "values must be in 1–20");
        if (o.Facts < 1 || o.Facts > o.Kinds) throw new ArgumentOutOfRangeException(nameof(options), "facts must be in 1–kinds");
        if (o.Questions < 1 || o.Questions > o.Facts) throw new ArgumentOutOfRangeException(nameof(options), "questions must be in 1–facts");
        var rng = new Random(seed);
        var items = new List<DialogueTaskItem>(count);
        for (int n = 0; n < count; n++)
        {
            var turns = new List<DialogueTurn>();
            var kinds = Shuffled(rng, o.Kinds).Take(o.Facts).ToArray();
            var values = kinds.Select(_ => rng.Next(o.Values)).ToArray();
            for (int f = 0; f < kinds.Length; f++)
            {
                turns.Add(new DialogueTurn(User, string.Format(System.Globalization.CultureInfo.InvariantCulture, StatementTemplates[kinds[f]], ValuesByKind[kinds[f]][values[f]])));
                turns.Add(new DialogueTurn(Bot, Acknowledgement));
                if (rng.NextDouble() < o.SmallTalk)
                {
                    var (u, b) = SmallTalkTurns[rng.Next(SmallTalkTurns.Length)];
                    turns.Add(new DialogueTurn(User, u));
                    turns.Add(new DialogueTurn(Bot, b));
                }
            }
            var answers = new List<int>();
            foreach (int f in Shuffled(rng, kinds.Length).Take(o.Questions))
            {
                turns.Add(new DialogueTurn(User, QuestionTemplates[kinds[f]]));
                answers.Add(turns.Count);
                turns.Add(new DialogueTurn(Bot, ValuesByKind[kinds[f]][values[f]]));
            }
            items.Add(new DialogueTaskItem(new Conversation(turns), answers));
        }
        return items;
    }

    private static int[] Shuffled(Random rng, int n)
    {
        var a = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--) { int j = rng.Next(i + 1); (a[i], a[j]) = (a[j], a[i]); }
        return a;
    }
}
