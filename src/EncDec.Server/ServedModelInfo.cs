using EncDec.Models;

namespace EncDec.Server;

/// <summary>
/// What <c>GET /v1/models</c> tells about a served model: where it came from, its family and architecture line, the runtime
/// that runs it, and (for a native checkpoint) its parameter count, training step and config JSON.
/// </summary>
public sealed record ServedModelInfo(string Path, ModelFamily Family, string Architecture, InferenceRuntimeKind Runtime)
{
    public long? Parameters { get; init; }
    public long? Step { get; init; }
    /// <summary>The model config as JSON (null when the runtime has none, as an ONNX export).</summary>
    public string? ConfigJson { get; init; }
    /// <summary>Whether decode steps return attention over the source (<c>return_attention</c>).</summary>
    public bool HasAttention { get; init; } = true;
}
