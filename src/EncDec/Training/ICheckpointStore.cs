namespace EncDec.Training;

/// <summary>Persists training snapshots (implemented by the IO layer's safetensors checkpoints).</summary>
public interface ICheckpointStore
{
    void Save(string path, TrainingSnapshot snapshot);
    TrainingSnapshot Load(string path);
}
