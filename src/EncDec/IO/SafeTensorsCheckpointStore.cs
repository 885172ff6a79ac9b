using EncDec.Training;

namespace EncDec.IO;

/// <summary>Stores training snapshots as safetensors <see cref="Checkpoint"/> files (atomic writes, validated reads).</summary>
public sealed class SafeTensorsCheckpointStore : ICheckpointStore
{
    public static readonly SafeTensorsCheckpointStore Instance = new();

    public void Save(string path, TrainingSnapshot s) => new Checkpoint
    {
        Model = s.Model,
        ConfigJson = s.ConfigJson,
        Vocabularies = s.Vocabularies,
        Optimizer = s.Optimizer,
        GlobalStep = s.Step,
        RngStates = s.RngStates,
        Extra = s.Extra,
    }.Save(path);

    public TrainingSnapshot Load(string path)
    {
        var c = Checkpoint.Load(path);
        ResumeState.Parse(c.Extra, path); // the trainer's counters: a checkpoint with bad ones is as unreadable as a truncated one
        return new TrainingSnapshot(c.Model, c.Optimizer, c.GlobalStep, c.RngStates, c.Extra, c.ConfigJson, c.Vocabularies) { SourcePath = path };
    }
}
