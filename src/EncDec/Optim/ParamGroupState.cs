namespace EncDec.Optim;

/// <summary>Serializable group settings.</summary>
public sealed record ParamGroupState(IReadOnlyList<string> ParamNames, double Lr, double LrScale, double WeightDecay);
