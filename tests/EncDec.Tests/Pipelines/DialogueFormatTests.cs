using EncDec.Data;
using EncDec.Pipelines;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Pipelines;

public class DialogueFormatTests
{
    private static readonly ITokenizer Tok = Tokenizer.Train(TokenizerKind.Word, ["hello there", "my name is anna", "what is my name ?", "anna"], 100,
                                                             controlTokens: ["<2fr>", DialogueFormat.SpeakerToken("user"), DialogueFormat.SpeakerToken("bot")]);

    [Fact]
    public void Speaker_ids_come_from_the_vocabulary_and_are_control_tokens()
    {
        var f = DialogueFormat.FromTokenizer(Tok, 100);
        Assert.Equal(["user", "bot"], f.Speakers);   // <2fr> is a control token but not a speaker
        Assert.True(Tok.Vocab.TryGetId("<|user|>", out int user));
        Assert.Equal(user, f.SpeakerId("user"));
        Assert.True(Tok.Vocab.IsControl(f.SpeakerId("bot")));
        Assert.Equal([f.SpeakerId("user"), .. Tok.Encode("my name is anna")], f.TurnIds(new DialogueTurn("user", "my name is anna")));
        Assert.Contains("unknown speaker 'alice'", Assert.Throws<UserInputException>(() => f.SpeakerId("alice")).Message);
        var plain = Tokenizer.Train(TokenizerKind.Word, ["a b"], 10);
        Assert.Contains("not a dialogue model", Assert.Throws<UserInputException>(() => DialogueFormat.FromTokenizer(plain, 10, "m.safetensors")).Message);
    }

    [Fact]
    public void The_budget_keeps_the_most_recent_whole_turns_and_ends_with_the_reply_speaker()
    {
        var turns = new List<DialogueTurn> { new("user", "my name is anna"), new("bot", "hello there"), new("user", "what is my name ?") };
        int u = DialogueFormat.FromTokenizer(Tok, 100).SpeakerId("user"), b = DialogueFormat.FromTokenizer(Tok, 100).SpeakerId("bot");
        int[] all = [u, .. Tok.Encode("my name is anna"), b, .. Tok.Encode("hello there"), u, .. Tok.Encode("what is my name ?"), b];
        Assert.Equal(15, all.Length);   // turns of 5, 3 and 6 tokens (speaker token + words), then the reply speaker
        Assert.Equal(all, DialogueFormat.FromTokenizer(Tok, 15).Source(turns, "bot"));
        // one token short: the oldest turn is dropped whole
        Assert.Equal(all[5..], DialogueFormat.FromTokenizer(Tok, 14).Source(turns, "bot"));
        Assert.Equal(all[5..], DialogueFormat.FromTokenizer(Tok, 10).Source(turns, "bot"));
        Assert.Equal(all[8..], DialogueFormat.FromTokenizer(Tok, 9).Source(turns, "bot"));
        Assert.Equal([b], DialogueFormat.FromTokenizer(Tok, 100).Source(new List<DialogueTurn>(), "bot"));
    }

    [Fact]
    public void Examples_are_one_per_reply_with_the_history_before_it()
    {
        var f = DialogueFormat.FromTokenizer(Tok, 100);
        var c = new Conversation([new("user", "my name is anna"), new("bot", "hello there"), new("user", "what is my name ?"), new("bot", "anna")]);
        var all = f.Examples(c).ToList();
        Assert.Equal(3, all.Count);   // every turn after the first
        var bot = f.Pairs(c, new HashSet<string> { "bot" }).ToList();
        Assert.Equal(["hello there", "anna"], bot.Select(p => p.Reply));
        Assert.Equal(Tok.Encode("anna"), bot[1].Example.Tgt);
        Assert.Equal(f.Source(c.Turns.Take(3).ToList(), "bot"), bot[1].Example.Src);
    }
}
