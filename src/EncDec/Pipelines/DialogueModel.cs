using EncDec.Data;
using EncDec.Generation;
using EncDec.IO;
using EncDec.Models;
using EncDec.Text;

namespace EncDec.Pipelines;

/// <summary>
/// A trained dialogue model: the encoder-decoder, its <see cref="DialogueFormat"/> (speaker tokens of its vocabulary, the
/// context budget) and the speakers a chat plays by default. <see cref="Reply"/> decodes one reply to a history.
/// </summary>
public sealed class DialogueModel
{
    public ISeq2SeqModel Model { get; }
    public DialogueFormat Format { get; }
    public ITokenizer Target { get; }
    public DialogueSettings Settings { get; }

    public DialogueModel(ISeq2SeqModel model, ITokenizer source, ITokenizer target, DialogueSettings settings)
    {
        Model = model; Target = target; Settings = settings;
        Format = DialogueFormat.FromTokenizer(source, settings.ContextTokens);
        Format.SpeakerId(settings.User); Format.SpeakerId(settings.Bot);   // both must be speakers of the vocabulary
    }

    /// <summary>
    /// A run folder of <c>encdec dialogue train</c> (or a model file, with the <c>dialogue.json</c> beside it when there is
    /// one; without it the budget is 256 tokens, the first speaker types and the second answers).
    /// </summary>
    public static DialogueModel Load(string pathOrRun)
    {
        var loaded = ModelStore.LoadSeq2Seq(pathOrRun);
        if (loaded.Config.Family == ModelFamily.DecoderOnly)
            throw new UserInputException(loaded.Path, null, $"a {loaded.Config.Family} model is not a dialogue model (an encoder-decoder from `encdec dialogue train`)");
        string dir = Directory.Exists(pathOrRun) ? pathOrRun : Path.GetDirectoryName(Path.GetFullPath(loaded.Path))!;
        var settings = DialogueSettings.TryLoad(Path.Combine(dir, DialogueSettings.FileName));
        if (settings is null)
        {
            var format = DialogueFormat.FromTokenizer(loaded.SourceTokenizer, 256, loaded.Path);
            settings = new DialogueSettings(256, format.Speakers[0], format.Speakers[Math.Min(1, format.Speakers.Count - 1)]);
        }
        loaded.Model.Eval();
        try { return new DialogueModel(loaded.Model, loaded.SourceTokenizer, loaded.TargetTokenizer, settings); }
        catch (UserInputException e) { throw new UserInputException(loaded.Path, null, e.Message); }
    }

    /// <summary>Greedy decoding with a reply of at most 64 tokens.</summary>
    public static GenerationOptions DefaultOptions { get; } = new() { Strategy = DecodingStrategy.Greedy, MaxLength = 64 };

    /// <summary>The reply of <paramref name="speaker"/> (default the bot) to <paramref name="history"/>; <paramref name="onToken"/> sees each token as it comes (greedy and sampling).</summary>
    public string Reply(IReadOnlyList<DialogueTurn> history, GenerationOptions? options = null, string? speaker = null, Action<int>? onToken = null)
    {
        var source = Format.Source(history, speaker ?? Settings.Bot);
        var result = SequenceGenerator.Generate(Model, [source], options ?? DefaultOptions, onToken is null ? null : e => onToken(e.Token));
        return Target.Decode(result[0].Best.Tokens);
    }
}
