using System.Text.Json.Serialization;

namespace EncDec.Optim;

/// <summary>The optimizer algorithms.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OptimizerKind>))]
public enum OptimizerKind { Sgd, Adam, AdamW, Adagrad }
