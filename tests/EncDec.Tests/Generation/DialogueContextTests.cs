using EncDec.Generation;
using Xunit;

namespace EncDec.Tests.Generation;

public class DialogueContextTests
{
    private const int Sep = 9;

    [Fact]
    public void KeepsTheMostRecentWholeTurnsWithinTheBudget()
    {
        var turns = new[] { new[] { 10, 11, 12 }, new[] { 20, 21 }, new[] { 30, 31, 32, 33 } };
        Assert.Equal(new[] { 10, 11, 12, Sep, 20, 21, Sep, 30, 31, 32, 33 }, DialogueContext.Build(turns, Sep, 11));
        Assert.Equal(new[] { 20, 21, Sep, 30, 31, 32, 33 }, DialogueContext.Build(turns, Sep, 10));   // oldest dropped whole
        Assert.Equal(new[] { 20, 21, Sep, 30, 31, 32, 33 }, DialogueContext.Build(turns, Sep, 7));
        Assert.Equal(new[] { 30, 31, 32, 33 }, DialogueContext.Build(turns, Sep, 6));                // 20 21 + sep would need 7
        Assert.Equal(new[] { 30, 31, 32, 33 }, DialogueContext.Build(turns, Sep, 4));
    }

    [Fact]
    public void AnOverlongLastTurnKeepsItsEnd()
    {
        var turns = new[] { new[] { 1, 2 }, new[] { 30, 31, 32, 33, 34 } };
        Assert.Equal(new[] { 32, 33, 34 }, DialogueContext.Build(turns, Sep, 3));
    }

    [Fact]
    public void NeverSkipsATurnToFitAnOlderOne()
    {
        // the middle turn does not fit; the short oldest one must not be kept instead
        var turns = new[] { new[] { 1 }, new[] { 20, 21, 22, 23, 24 }, new[] { 30 } };
        Assert.Equal(new[] { 30 }, DialogueContext.Build(turns, Sep, 5));
    }

    [Fact]
    public void StatefulHistory()
    {
        var ctx = new DialogueContext(Sep, 5);
        Assert.Empty(ctx.Build());
        ctx.AddTurn(new[] { 5, 6 }).AddTurn(new[] { 7 });
        Assert.Equal(new[] { 5, 6, Sep, 7 }, ctx.Build());
        ctx.AddTurn(new[] { 8, 8 });
        Assert.Equal(new[] { 7, Sep, 8, 8 }, ctx.Build());
        Assert.Equal(3, ctx.Turns.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DialogueContext(Sep, 0));
    }
}
