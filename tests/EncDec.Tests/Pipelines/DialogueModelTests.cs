using EncDec.Cli.Commands;
using EncDec.Data;
using EncDec.Pipelines;
using Xunit;

namespace EncDec.Tests.Pipelines;

public class DialogueModelTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void The_reduced_memory_task_is_answered_from_the_history_and_near_chance_without_it()
    {
        var test = DialogueTask.Generate(100, seed: 99, DialogueTestModel.Task);   // other conversations than the training seed's
        var acc = DialogueDemo.Evaluate(DialogueTestModel.Model, test, 1.0 / DialogueTestModel.Task.Values);
        output.WriteLine(acc.Line());
        Assert.Equal(200, acc.Total);
        Assert.True(acc.WithHistory >= 0.9, acc.Line());   // 95.5% here (700 steps of a d 32 model); the demo is the 95% goal
        Assert.True(acc.WithoutHistory <= 0.45, acc.Line());   // chance 25%: only the question is seen
        Assert.StartsWith("dialogue answer accuracy: ", acc.Line());
    }

    [Fact]
    public void A_session_keeps_the_history_and_reset_forgets_it()
    {
        var session = new DialogueSession(DialogueTestModel.Model);
        Assert.Equal("noted", session.Reply("my name is carla"));
        Assert.Equal("noted", session.Reply("i have 5 cats"));
        Assert.Equal("carla", session.Reply("what is my name ?"));
        Assert.Equal("5", session.Reply("how many cats do i have ?"));
        Assert.Equal(8, session.History.Count);
        Assert.Equal(new DialogueTurn("bot", "carla"), session.History[5]);
        session.Reset();
        Assert.Empty(session.History);
        Assert.Equal("noted", session.Reply("my name is dmitri"));
        Assert.Equal("noted", session.Reply("i have 2 cats"));
        Assert.Equal("dmitri", session.Reply("what is my name ?"));
    }

    [Fact]
    public void Load_reads_the_run_folder_and_its_dialogue_settings()
    {
        var loaded = DialogueModel.Load(DialogueTestModel.RunDir);
        Assert.Equal(64, loaded.Settings.ContextTokens);
        Assert.Equal(["user", "bot"], loaded.Format.Speakers);
        var history = new List<DialogueTurn> { new("user", "my name is boris"), new("bot", "noted"), new("user", "i have 3 cats"), new("bot", "noted"), new("user", "what is my name ?") };
        Assert.Equal("boris", loaded.Reply(history));
        Assert.Equal("3", loaded.Reply([.. history, new("bot", "boris"), new("user", "how many cats do i have ?")]));
    }
}
