using System.Text.Json.Serialization;
using EncDec.Tensors;

namespace EncDec.Optim;

/// <summary>The optimizer algorithms.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OptimizerKind>))]
public enum OptimizerKind { Sgd, Adam, AdamW, Adagrad }
