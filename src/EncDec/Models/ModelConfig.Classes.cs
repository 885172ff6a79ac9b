using System.Text.Json.Serialization;

namespace EncDec.Models;

public sealed partial record ModelConfig
{
    /// <summary>
    /// The names of the classification head's classes, index = class id (a <see cref="SequenceClassifier"/>); null for
    /// every other model and for a head whose classes have no names.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? ClassLabels { get; init; }
}
