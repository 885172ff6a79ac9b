using EncDec.Cli;
using EncDec.Data;
using EncDec.Tests.Pipelines;
using Xunit;

namespace EncDec.Tests.Cli;

[Collection(CliCollection.Name)]
public class DialogueCliTests
{
    private static CliResult Run(string stdin, params string[] args)
    {
        var o = new StringWriter { NewLine = "\n" };
        var e = new StringWriter { NewLine = "\n" };
        int code = Program.Run(args, o, e, new StringReader(stdin));
        return new CliResult(code, o.ToString(), e.ToString());
    }

    private static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Chat_keeps_the_history_over_three_turns_and_reset_forgets_it()
    {
        var dir = Directory.CreateTempSubdirectory("encdec-chat-").FullName;
        var saved = Path.Combine(dir, "talk.jsonl");
        string input = string.Join('\n', "my name is boris", "i have 3 cats", "what is my name ?", $"/save {saved}", "/reset", "/history",
                                   "/set temperature -1", "/set temperature 0.7", "/set temperature 0", "my name is anna", "i have 2 cats",
                                   "how many cats do i have ?", "/history", "/quit", "what is my name ?") + "\n";
        var r = Run(input, "chat", "--model", DialogueTestModel.RunDir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["noted", "noted", "boris", $"(saved 6 turns to {saved})", "(history cleared)",
                      "(temperature = 0.7; sampling)", "(temperature = 0; greedy)", "noted", "noted", "2",
                      "user: my name is anna", "bot: noted", "user: i have 2 cats", "bot: noted", "user: how many cats do i have ?", "bot: 2"],
                     Lines(r.Stdout));   // /history right after /reset printed nothing; nothing after /quit was read
        Assert.Equal(["error: temperature: '-1' is not a temperature ≥ 0"], Lines(r.Stderr));
        var conv = Assert.Single(DialogueCorpus.Read(saved));
        Assert.Equal(new DialogueTurn("bot", "boris"), conv.Turns[5]);
        Assert.Equal(new DialogueTurn("user", "my name is boris"), conv.Turns[0]);
    }

    [Fact]
    public void Dialogue_train_writes_a_run_folder_that_chat_and_resume_use()
    {
        var dir = Directory.CreateTempSubdirectory("encdec-dialogue-train-").FullName;
        var data = Path.Combine(dir, "train.jsonl");
        var valid = Path.Combine(dir, "valid.jsonl");
        DialogueCorpus.Write(data, DialogueTask.Generate(200, seed: 2, DialogueTestModel.Task).Select(i => i.Conversation));
        DialogueCorpus.Write(valid, DialogueTask.Generate(5, seed: 3, DialogueTestModel.Task).Select(i => i.Conversation));
        var run = Path.Combine(dir, "run");
        string[] common = ["--data", data, "--out", run, "--tokenizer", "word", "--vocab-size", "100", "--d-model", "16", "--heads", "2",
                           "--feed-forward", "32", "--layers", "1", "--max-steps", "12", "--batch-size", "16", "--valid-every", "12"];
        var r = CliRunner.Ok(["dialogue", "train", "--valid", valid, "--reply-speaker", "bot", "--context-tokens", "40", .. common]);
        Assert.Contains("speakers user, bot; context 40 tokens", r.Stdout);
        Assert.Contains("done: 12 steps", r.Stdout);
        foreach (var f in new[] { "model.safetensors", "dialogue.json", "metrics.jsonl", "source.tokenizer.json" }) Assert.True(File.Exists(Path.Combine(run, f)), f);
        Assert.Contains("\"context_tokens\":40", File.ReadAllText(Path.Combine(run, "dialogue.json")));
        var chat = Run("hello\nwhat is my name ?\n", "chat", "--model", run);
        Assert.True(chat.ExitCode == 0, chat.ToString());
        Assert.Equal(2, chat.Stdout.Split('\n').Length - 1);   // one reply line per turn, whatever an untrained model says
        // the same command again finds the run finished; `train --task dialogue` with another context budget is refused
        var again = CliRunner.Ok(["dialogue", "train", "--valid", valid, "--reply-speaker", "bot", "--context-tokens", "40", .. common]);
        Assert.Contains("nothing to do", again.Stdout);
        Assert.Contains("context_tokens", CliRunner.Fails(["train", "--task", "dialogue", .. common]));
    }

    [Fact]
    public void A_bad_conversation_line_is_one_error_naming_file_and_line_and_leaves_no_run_folder()
    {
        var dir = Directory.CreateTempSubdirectory("encdec-dialogue-bad-").FullName;
        var data = Path.Combine(dir, "bad.jsonl");
        File.WriteAllText(data, "[{\"speaker\": \"user\", \"text\": \"hi\"}, {\"speaker\": \"bot\", \"text\": \"hello\"}]\n[{\"speaker\": \"user\", \"txt\": \"x\"}]\n");
        var run = Path.Combine(dir, "run");
        var err = CliRunner.Fails("dialogue", "train", "--data", data, "--out", run);
        Assert.Equal($"error: {data}:2: turn 1 has no 'text' (or 'content')", err);
        Assert.False(Directory.Exists(run));
        Assert.StartsWith($"error: {data}.missing: no such file", CliRunner.Fails("train", "--task", "dialogue", "--data", data + ".missing", "--out", run));
        Assert.Contains("--model: a dialogue model is an encoder-decoder", CliRunner.Fails("dialogue", "train", "--data", data, "--model", "lm", "--out", run));
        Assert.Contains("not a dialogue model", CliRunner.Fails("chat", "--model", Server.ServerTestKit.ModelFile));
    }

    [Fact]
    public void Demo_dialogue_prints_its_accuracy_line()
    {
        var dir = Directory.CreateTempSubdirectory("encdec-dialogue-demo-").FullName;
        var r = CliRunner.Ok("demo", "--task", "dialogue", "--quick", "--steps", "10", "--test-size", "20", "--out", dir);
        var last = Lines(r.Stdout)[^1];
        Assert.Matches(@"^dialogue answer accuracy: \d+\.\d\d% with history \(\d+/40\), \d+\.\d\d% without \(\d+/40\); chance 5\.00%$", last);
        Assert.True(File.Exists(Path.Combine(dir, "train.jsonl")));
    }
}
