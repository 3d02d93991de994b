using System.Net;
using System.Net.Sockets;

namespace TheBot.Stack;

/// <summary>Port helpers: free ports for tests, and the busy-port check done before anything starts.</summary>
public static class Ports
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port on 127.0.0.1 that is free right now, never the same twice in this process. It is drawn at random
    /// below the kernel's ephemeral range (<c>ip_local_port_range</c>), so an outgoing connection cannot take it
    /// between this call and the server's own bind, as a port from binding to port 0 could be.
    /// </summary>
    public static int GetFree()
    {
        var (low, high) = (10_000, EphemeralLowerBound() - 1);
        if (high - low < 1000)
        {
            (low, high) = (EphemeralLowerBound(), 65_535);
        }

        while (true)
        {
            var port = Random.Shared.Next(low, high + 1);
            lock (HandedOut)
            {
                if (!HandedOut.Contains(port) && IsFree(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }
    }

    /// <summary>True when nothing listens on <paramref name="port"/> at 127.0.0.1 (or on all addresses).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

            // Like the servers themselves: connections of a stopped server lingering in TIME_WAIT do not make the
            // port busy, a listening socket (on 127.0.0.1 or on all addresses) does.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralLowerBound()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 32_768;
        }
    }

    /// <summary>
    /// Throws <see cref="PortInUseException"/> for the first busy port: "port 9090 (prometheus) is in use; pick
    /// another with --port-offset N".
    /// </summary>
    public static void EnsureFree(IEnumerable<(string Service, int Port)> ports, string overrideHint = "--port-offset N")
    {
        foreach (var (service, port) in ports)
        {
            if (!IsFree(port))
            {
                throw new PortInUseException(service, port, overrideHint);
            }
        }
    }
}
