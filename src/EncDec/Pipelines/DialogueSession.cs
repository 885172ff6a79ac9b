using EncDec.Data;
using EncDec.Generation;

namespace EncDec.Pipelines;

/// <summary>
/// A conversation with a <see cref="DialogueModel"/>: the history so far (the user's turns and the model's replies), the
/// decoding options of the next reply, and <see cref="Reset"/> to start over. The history is kept whole; the model sees the
/// most recent turns that fit in its context budget.
/// </summary>
public sealed class DialogueSession(DialogueModel model, GenerationOptions? options = null)
{
    private readonly List<DialogueTurn> _history = new();

    public DialogueModel Model { get; } = model;
    public GenerationOptions Options { get; set; } = options ?? DialogueModel.DefaultOptions;
    public IReadOnlyList<DialogueTurn> History => _history;

    /// <summary>Adds the user's turn, decodes the model's reply, adds it to the history and returns it.</summary>
    public string Reply(string userText)
    {
        _history.Add(new DialogueTurn(Model.Settings.User, userText));
        string reply = Model.Reply(_history, Options);
        _history.Add(new DialogueTurn(Model.Settings.Bot, reply));
        return reply;
    }

    public void Reset() => _history.Clear();
}
