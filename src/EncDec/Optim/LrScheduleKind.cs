using System.Text.Json.Serialization;

namespace EncDec.Optim;

/// <summary>Learning-rate schedule families.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LrScheduleKind>))]
public enum LrScheduleKind
{
    /// <summary>Always <c>Lr</c>.</summary>
    Constant,
    /// <summary><c>Lr · Gamma^⌊(step-1)/StepSize⌋</c> (PyTorch StepLR).</summary>
    Step,
    /// <summary>Transformer paper ("Noam"): <c>Scale · DModel^-0.5 · min(step^-0.5, step · Warmup^-1.5)</c>.</summary>
    Noam,
    /// <summary>fairseq inverse_sqrt: linear warm-up from <c>WarmupInitLr</c> to the peak <c>Lr</c>, then <c>Lr · sqrt(Warmup/step)</c>.</summary>
    InverseSqrt,
    /// <summary>Linear warm-up to <c>Lr</c>, then half-cosine decay to <c>MinLr</c> at <c>TotalSteps</c>.</summary>
    Cosine,
    /// <summary>Linear warm-up to <c>Lr</c>, then linear decay to <c>MinLr</c> at <c>TotalSteps</c>.</summary>
    Linear,
}
