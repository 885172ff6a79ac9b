using Xunit;

namespace EncDec.Tests.Models;

/// <summary>
/// Tests that train models and assert exact outcomes run alone, not beside other test classes: with several
/// threads calling OpenBLAS at once it may partition a product differently (single- vs multi-threaded), which
/// changes float rounding and so a training trajectory. A training run in its own process is bit-reproducible.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LearningCollection
{
    public const string Name = "Learning (not parallel)";
}
