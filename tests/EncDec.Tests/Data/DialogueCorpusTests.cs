using EncDec.Data;
using Xunit;

namespace EncDec.Tests.Data;

public class DialogueCorpusTests
{
    private static string Write(string text)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("encdec-dialogue-").FullName, "conv.jsonl");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Reads_arrays_and_turns_objects_with_role_or_speaker_and_round_trips()
    {
        var path = Write("[{\"speaker\": \"user\", \"text\": \"hi\"}, {\"speaker\": \"bot\", \"text\": \"hello\"}]\n\n"
                         + "{\"turns\": [{\"role\": \"user\", \"content\": \"ça va ?\"}]}\n");
        var c = DialogueCorpus.Read(path);
        Assert.Equal(2, c.Count);
        Assert.Equal([new DialogueTurn("user", "hi"), new DialogueTurn("bot", "hello")], c[0].Turns);
        Assert.Equal(3, c[1].Line);
        Assert.Equal("ça va ?", c[1].Turns[0].Text);
        var copy = Path.Combine(Path.GetDirectoryName(path)!, "copy.jsonl");
        DialogueCorpus.Write(copy, c);
        Assert.Equal(c.Select(x => x.Turns), DialogueCorpus.Read(copy).Select(x => x.Turns));
    }

    [Theory]
    [InlineData("[{\"speaker\": \"user\", \"text\": \"hi\"}]\n{not json\n", ":2: not valid JSON")]
    [InlineData("[{\"speaker\": \"user\"}]\n", ":1: turn 1 has no 'text'")]
    [InlineData("[{\"speaker\": \"a user\", \"text\": \"x\"}]\n", ":1: turn 1: speaker 'a user' must be")]
    [InlineData("{\"turns\": 3}\n", ":1: 'turns' must be a JSON array")]
    [InlineData("[]\n", ":1: the conversation has no turns")]
    [InlineData("[{\"speaker\": \"u\", \"text\": 5}]\n", ":1: turn 1: 'text' must be a string")]
    [InlineData("\n\n", ": no conversation")]
    public void Mistakes_name_the_file_and_line(string text, string expected)
    {
        var path = Write(text);
        var e = Assert.Throws<UserInputException>(() => DialogueCorpus.Read(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_generated_task_is_seeded_and_its_answers_were_stated_in_earlier_turns_only()
    {
        var a = DialogueTask.Generate(50, seed: 5);
        var b = DialogueTask.Generate(50, seed: 5);
        Assert.Equal(a.Select(i => DialogueCorpus.ToJsonLine(i.Conversation.Turns)), b.Select(i => DialogueCorpus.ToJsonLine(i.Conversation.Turns)));
        Assert.NotEqual(DialogueCorpus.ToJsonLine(a[0].Conversation.Turns), DialogueCorpus.ToJsonLine(DialogueTask.Generate(1, seed: 6)[0].Conversation.Turns));
        foreach (var item in a)
        {
            var turns = item.Conversation.Turns;
            Assert.Equal(2, item.AnswerTurns.Count);
            foreach (int t in item.AnswerTurns)
            {
                string answer = turns[t].Text;
                Assert.Equal(DialogueTask.Bot, turns[t].Speaker);
                Assert.DoesNotContain(answer, turns[t - 1].Text.Split(' '));   // the question does not hold the answer
                // the fact was stated by the user at least two turns earlier
                Assert.Contains(Enumerable.Range(0, t - 2), i => turns[i].Speaker == DialogueTask.User && turns[i].Text.Split(' ').Contains(answer));
            }
        }
        Assert.True(a.SelectMany(i => i.AnswerTurns.Select(t => i.Conversation.Turns[t].Text)).Distinct().Count() > 30, "answers vary");
    }
}
