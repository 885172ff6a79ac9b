namespace EncDec.Generation;

/// <summary>A live row extended by one token: the parent row, the token, its log-prob, the new total score and constraint progress.</summary>
internal readonly record struct Continuation(int Parent, int Token, float LogProb, float Score, ConstraintState Constraint);
