using EncDec.Cli;
using EncDec.Cli.Commands;
using EncDec.Models;
using Xunit;

namespace EncDec.Tests.Cli;

public sealed class CliEnumTests
{
    [Fact]
    public void Members_are_spelt_in_kebab_case_without_a_dash_after_a_digit()
    {
        Assert.Equal("luong-general", CliEnum.Name(AttentionKind.LuongGeneral));
        Assert.Equal("image2seq", CliEnum.Name(TrainTask.Image2Seq));
        Assert.Equal(TrainTask.Image2Seq, CliEnum.Parse<TrainTask>("Image2Seq", "--task", "training task"));
        Assert.Equal(AttentionKind.LuongGeneral, CliEnum.Parse<AttentionKind>("luong_general", "--attention", "attention"));
        var e = Assert.Throws<UserInputException>(() => CliEnum.Parse<TrainTask>("detect", "--task", "training task"));
        Assert.Equal("--task: unknown training task 'detect' (expected text, dialogue, speech, image2seq, segment or dual)", e.Message);
    }
}
