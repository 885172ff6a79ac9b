using EncDec.Models;
using EncDec.Nn;
using EncDec.Text;

namespace EncDec.IO;

/// <summary>A model rebuilt from a checkpoint: the module, its config, its tokenizers and the training step.</summary>
public sealed record LoadedModel(Module Model, ModelConfig Config, ITokenizer? SourceTokenizer, ITokenizer? TargetTokenizer, long Step, string Path)
{
    /// <summary>The names of the weights holding NaN or infinite values (a diverged training), empty for a sound model.</summary>
    public IReadOnlyList<string> NonFiniteTensors { get; init; } = Array.Empty<string>();
    /// <summary>How many Linear layers run on int8 weights (an <see cref="Int8Checkpoint"/> file); 0 for a float model.</summary>
    public int Int8Layers { get; init; }
}
