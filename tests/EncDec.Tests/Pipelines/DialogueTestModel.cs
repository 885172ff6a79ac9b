using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Pipelines;
using EncDec.Tests.Models;
using EncDec.Text;

namespace EncDec.Tests.Pipelines;

/// <summary>
/// A tiny dialogue Transformer (d 32, one layer each side) trained once per test run on the reduced memory task (two kinds
/// of fact, four values each: "my name is X" / "i have N cats", some small talk, then questions about both), saved as a run folder
/// (model.safetensors + dialogue.json) for the chat, server and IChatClient tests.
/// </summary>
internal static class DialogueTestModel
{
    public static readonly DialogueTaskOptions Task = new(Kinds: 2, Values: 4, Facts: 2, Questions: 2, SmallTalk: 0.3);
    private static readonly Lazy<(DialogueModel Model, string Dir)> Trained = new(Train, LazyThreadSafetyMode.ExecutionAndPublication);

    public static DialogueModel Model => Trained.Value.Model;
    /// <summary>The run folder (model.safetensors, dialogue.json).</summary>
    public static string RunDir => Trained.Value.Dir;

    /// <summary>The user's facts in the reduced task's vocabulary.</summary>
    public static readonly string[] Names = ["anna", "boris", "carla", "dmitri"];

    private static (DialogueModel, string) Train()
    {
        var train = DialogueTask.Generate(600, seed: 11, Task).Select(i => i.Conversation).ToList();
        var tok = Tokenizer.Train(TokenizerKind.Word, train.SelectMany(c => c.Turns).Select(t => t.Text), 100,
                                  controlTokens: [DialogueFormat.SpeakerToken(DialogueTask.User), DialogueFormat.SpeakerToken(DialogueTask.Bot)]);
        var settings = new DialogueSettings(64, DialogueTask.User, DialogueTask.Bot);
        var format = DialogueFormat.FromTokenizer(tok, settings.ContextTokens);
        var examples = train.SelectMany(c => format.Examples(c, new HashSet<string> { DialogueTask.Bot })).ToList();
        var config = ModelTestKit.Transformer(tok.Vocab.Count, tok.Vocab.Count, d: 32, heads: 2, ffn: 64, layers: 1) with { ShareEmbeddings = true };
        var (model, _) = ModelTestKit.Train(config, examples, ModelTestKit.Options(steps: 700, lr: 4e-3, warmup: 40), batchSize: 32);
        model.Eval();
        var dir = Directory.CreateTempSubdirectory("encdec-dialogue-model-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } };
        ModelStore.Save(Path.Combine(dir, "model.safetensors"), model, config, tok, tok);
        settings.Save(dir);
        return (new DialogueModel((ISeq2SeqModel)model, tok, tok, settings), dir);
    }
}
