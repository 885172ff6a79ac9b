using EncDec.Data;
using Xunit;

namespace EncDec.Tests.Data;

/// <summary>
/// The shuffled batch plan depends only on (seed, epoch), never on the process: a seed derived from a per-process
/// randomised hash (as <c>HashCode.Combine</c> is) made training differ between runs of the same command.
/// </summary>
public class BatchPlanStabilityTests
{
    [Fact]
    public void PlanIsTheSameInEveryProcess()
    {
        var examples = Enumerable.Range(0, 12).Select(i => new Example(new int[1 + i % 3], new int[1 + i % 2])).ToList();
        var plan = new Batcher(examples, new BatcherOptions { BatchSize = 4, Shuffle = true, Seed = 7 }).Plan(0);
        var flat = string.Join(",", plan.SelectMany(b => b));
        Assert.Equal("1,7,5,11,2,8,3,9,0,6,4,10", flat);
        Assert.Equal(1133140305, Batcher.EpochSeed(7, 0));
    }
}
