namespace TheBot.Stack;

/// <summary>A process of the stack could not be started or did not become ready.</summary>
public class StackStartException : Exception
{
    /// <summary>Creates the exception for <paramref name="service"/>.</summary>
    public StackStartException(string service, string message, Exception? inner = null)
        : base(message, inner) => Service = service;

    /// <summary>The process (spec name) that failed.</summary>
    public string Service { get; }
}

/// <summary>A port a process needs is already taken; thrown before anything starts.</summary>
public sealed class PortInUseException(string service, int port, string overrideHint)
    : StackStartException(service, $"port {port} ({service}) is in use; pick another with {overrideHint}")
{
    /// <summary>The busy port.</summary>
    public int Port { get; } = port;
}
