namespace EncDec.Generation;

/// <summary>How the next token is chosen.</summary>
public enum DecodingStrategy
{
    /// <summary>Argmax of the processed distribution at every step.</summary>
    Greedy,
    /// <summary>Beam search (lexically constrained when <see cref="GenerationOptions.RequiredPhrases"/> is set).</summary>
    Beam,
    /// <summary>Ancestral sampling from the processed and warped distribution with a seeded <see cref="Tensors.Rng"/>.</summary>
    Sample,
}
