using EncDec.Data;
using Xunit;

namespace EncDec.Tests.Data;

public class LongRetrievalTaskTests
{
    [Fact]
    public void DocumentsHoldTheAskedRecordFarFromTheQuery()
    {
        var o = new LongRetrievalOptions();
        var ex = LongRetrievalTask.Generate(20, seed: 3, o);
        Assert.Equal(ex.Select(e => e.Src), LongRetrievalTask.Generate(20, seed: 3, o).Select(e => e.Src));   // deterministic
        foreach (var e in ex)
        {
            Assert.InRange(e.Src.Length, 2000, 8000);
            Assert.Equal(LongRetrievalTask.QueryId, e.Src[0]);
            var recordAt = Enumerable.Range(0, e.Src.Length).Where(i => e.Src[i] == LongRetrievalTask.RecordId).ToArray();
            Assert.Equal(o.Records, recordAt.Length);
            Assert.Equal(o.Records, recordAt.Select(i => e.Src[i + 1]).Distinct().Count());       // distinct keys
            int asked = Assert.Single(recordAt, i => e.Src[i + 1] == e.Src[1]);
            Assert.True(asked >= e.Src.Length / 2 - 4, $"asked record at {asked} of {e.Src.Length}");
            Assert.Equal(e.Src.AsSpan(asked + 2, o.ValueLength).ToArray(), e.Tgt);
            Assert.All(e.Src, id => Assert.InRange(id, LongRetrievalTask.QueryId, LongRetrievalTask.VocabSize(o) - 1));
        }
    }

    [Fact]
    public void EchoKeyTargetsRestateTheAskedKeyThenItsValues()
    {
        var o = new LongRetrievalOptions { MinLength = 100, MaxLength = 120 };
        var plain = LongRetrievalTask.Generate(10, seed: 4, o);
        var echo = LongRetrievalTask.Generate(10, seed: 4, o with { EchoKey = true });
        for (int i = 0; i < plain.Count; i++)
        {
            Assert.Equal(plain[i].Src, echo[i].Src);                                   // the same documents
            Assert.Equal(new[] { plain[i].Src[1] }.Concat(plain[i].Tgt), echo[i].Tgt);  // key, then the values
        }
    }
}
