using System.Runtime.InteropServices;
using TheBot.Stack;
using TheBot.Testing;

namespace TheBot.Platform.Tests.Support;

/// <summary>
/// A hung dependency: every process of a server fixture's tree stopped with SIGSTOP. The kernel still accepts TCP
/// connections on its port, but nothing answers — the failure a graceful stop or a kill never shows. Disposing sends
/// SIGCONT and the server carries on where it was.
/// </summary>
public sealed partial class FrozenServer : IDisposable
{
    // Linux signal numbers (x86-64 and arm64 alike).
    private const int SignalStop = 19;
    private const int SignalContinue = 18;

    private readonly IReadOnlyList<ProcessIdentity> _tree;
    private bool _resumed;

    private FrozenServer(IReadOnlyList<ProcessIdentity> tree) => _tree = tree;

    /// <summary>
    /// Stops <paramref name="server"/>'s whole tree (the server and its worker processes), or with
    /// <paramref name="rootOnly"/> the root alone: for PostgreSQL the postmaster, so connections already open keep being
    /// served by their backends while every new connection waits (a warm pool hides that outage).
    /// </summary>
    public static FrozenServer Freeze(ServerFixture server, bool rootOnly = false)
    {
        var root = server.Process ?? throw new InvalidOperationException("the server is not running");
        var tree = rootOnly ? [root] : ProcessTree.Snapshot(root);
        foreach (var process in tree)
        {
            Send(process.Pid, SignalStop);
        }

        return new FrozenServer(tree);
    }

    /// <summary>Lets the processes run again.</summary>
    public void Dispose()
    {
        if (_resumed)
        {
            return;
        }

        _resumed = true;
        foreach (var process in _tree)
        {
            Send(process.Pid, SignalContinue);
        }
    }

    private static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
