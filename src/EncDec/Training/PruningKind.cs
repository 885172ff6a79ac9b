namespace EncDec.Training;

/// <summary>What <see cref="MagnitudePruner"/> removes.</summary>
public enum PruningKind
{
    /// <summary>Single weights of every Linear layer, by one global magnitude threshold.</summary>
    Unstructured,
    /// <summary>Whole attention heads (their q/k/v rows and out_proj columns), lowest L2 norm first, in each attention.</summary>
    Heads,
    /// <summary>Whole feed-forward neurons (a linear1 row with its bias and a linear2 column), lowest L2 norm first, in each layer.</summary>
    Ffn,
}
