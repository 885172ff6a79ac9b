namespace EncDec.Optim;

/// <summary>Settings for <see cref="LrSchedule.Create"/>; each kind uses the fields its doc names.</summary>
public sealed record LrScheduleConfig(
    LrScheduleKind Kind,
    double Lr = 1e-3,
    long WarmupSteps = 0,
    long TotalSteps = 0,
    long StepSize = 1,
    double Gamma = 0.1,
    double MinLr = 0,
    int DModel = 512,
    double Scale = 1,
    double WarmupInitLr = 0);
