namespace TheBot.Stack;

/// <summary>Unix signals sent to a stack's processes (stop signals by the supervisor; SIGHUP asks for a config reload).</summary>
public enum ProcessSignal
{
    /// <summary>SIGHUP: Prometheus and Alertmanager re-read their configuration files.</summary>
    Hangup = 1,

    /// <summary>SIGINT (PostgreSQL: fast shutdown).</summary>
    Interrupt = 2,

    /// <summary>SIGQUIT.</summary>
    Quit = 3,

    /// <summary>SIGKILL: cannot be caught.</summary>
    Kill = 9,

    /// <summary>SIGTERM: the usual polite request to stop.</summary>
    Terminate = 15,

    /// <summary>SIGCONT: resumes a stopped process (detection tests end a simulated hang with it).</summary>
    Continue = 18,

    /// <summary>SIGSTOP: freezes a process without closing its sockets, the way a hung server looks from outside.</summary>
    Stop = 19,
}
