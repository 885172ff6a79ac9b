namespace EncDec.Generation;

/// <summary>A possible continuation of a beam: total score, parent row, token, its log-prob, constraint progress and bank.</summary>
/// <param name="Bank">Constraint tokens met after this token (dynamic beam allocation groups candidates by it).</param>
internal readonly record struct BeamCandidate(float Score, int Row, int Token, float LogProb, ConstraintState Constraint, int Bank)
{
    public Continuation ToContinuation() => new(Row, Token, LogProb, Score, Constraint);

    /// <summary>Best score first; ties by lower row, then lower token.</summary>
    public static int BestFirst(BeamCandidate x, BeamCandidate y)
        => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Row != y.Row ? x.Row.CompareTo(y.Row) : x.Token.CompareTo(y.Token);
}
