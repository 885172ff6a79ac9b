namespace EncDec.Server;

/// <summary>A request the server refuses: an HTTP status and a one-line message naming the field or limit.</summary>
public sealed class RequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
