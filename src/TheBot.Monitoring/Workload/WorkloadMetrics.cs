using System.Diagnostics;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Workload;

/// <summary>
/// What any service may run besides HTTP requests — WebSockets and background jobs (contract §5) — behind a typed
/// API, in every app that calls <c>AddTheBotMonitoring()</c>: the families are exposed (HELP and TYPE) from the start,
/// and their series appear at the first socket, run or queue. An application's own business families are not here:
/// it defines them and registers them with <c>AddTheBotMetrics&lt;T&gt;()</c> (THE_BOT's platform does so for
/// messages, assignments and payments).
/// </summary>
public sealed class WorkloadMetrics
{
    private static readonly double[] TaskDurationBuckets = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    /// <summary>WebSocket session buckets, in seconds: a reconnect loop (under 1 s) up to a working day's tab (over 2 h).</summary>
    public static readonly double[] WebSocketSessionBuckets = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200];

    private readonly MetricFamily<Counter> _tasks;
    private readonly MetricFamily<Histogram> _taskDurations;
    private readonly MetricFamily<Gauge> _queueDepth;
    private readonly MetricFamily<Gauge> _websockets;
    private readonly MetricFamily<Histogram> _websocketSessions;

    /// <summary>Creates the families in <paramref name="registry"/>.</summary>
    public WorkloadMetrics(MetricRegistry registry)
    {
        _websockets = registry.Gauge("thebot_websocket_connections", "Open WebSocket connections, by type.", "type");
        _websocketSessions = registry.Histogram("thebot_websocket_session_duration_seconds",
            "Duration of WebSocket sessions from accept to close, observed when they end, by type.", WebSocketSessionBuckets, "type");
        _tasks = registry.Counter("thebot_background_tasks_total", "Background task runs, by task and outcome.", "task_name", "status");
        _taskDurations = registry.Histogram("thebot_background_task_duration_seconds", "Duration of background task runs, by task.", TaskDurationBuckets, "task_name");
        _queueDepth = registry.Gauge("thebot_background_queue_depth", "Background jobs waiting to run, by queue.", "queue");
    }

    /// <summary>
    /// Counts a WebSocket as open until the returned lease is disposed, and then observes the session's duration in
    /// <c>thebot_websocket_session_duration_seconds</c> (the HTTP metrics only time the handshake). Dispose it in a
    /// <c>finally</c> (or <c>using</c>) around the socket's receive loop: a socket that dies abruptly still ends the
    /// loop, and a lease ends at most once, so the gauge neither leaks nor goes below zero and a session is observed once.
    /// </summary>
    public WebSocketLease TrackWebSocket(string type)
    {
        var gauge = _websockets.WithLabels(type);
        gauge.Inc();
        return new WebSocketLease(gauge, _websocketSessions.WithLabels(type), Stopwatch.GetTimestamp());
    }

    /// <summary>Open WebSockets of one type right now.</summary>
    public double OpenWebSockets(string type) => _websockets.WithLabels(type).Value;

    /// <summary>Open WebSockets of every type.</summary>
    public double OpenWebSockets() => _websockets.Series.Sum(s => s.Value);

    /// <summary>Starts timing one run of a background task; call <see cref="BackgroundTaskRun.Complete"/> with its outcome.</summary>
    public BackgroundTaskRun StartTask(string taskName) => new(this, taskName, Stopwatch.GetTimestamp());

    /// <summary>Records a finished background task run directly.</summary>
    public void TaskCompleted(string taskName, BackgroundTaskStatus status, TimeSpan duration)
    {
        _tasks.WithLabels(taskName, StatusLabel(status)).Inc();
        _taskDurations.WithLabels(taskName).Observe(duration.TotalSeconds);
    }

    /// <summary>Sets how many jobs wait in a queue.</summary>
    public void SetQueueDepth(string queue, long depth) => _queueDepth.WithLabels(queue).Set(depth);

    private static string StatusLabel(BackgroundTaskStatus status) => status switch
    {
        BackgroundTaskStatus.Success => "success",
        BackgroundTaskStatus.Failure => "failure",
        _ => "retry",
    };

    /// <summary>Keeps one WebSocket counted; disposing it (once or many times) uncounts it and observes its session exactly once.</summary>
    public sealed class WebSocketLease : IDisposable
    {
        private readonly Histogram _sessions;
        private readonly long _started;
        private Gauge? _gauge;

        internal WebSocketLease(Gauge gauge, Histogram sessions, long started)
        {
            _gauge = gauge;
            _sessions = sessions;
            _started = started;
        }

        /// <inheritdoc />
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _gauge, null) is { } gauge)
            {
                gauge.DecToZero();
                _sessions.Observe(Stopwatch.GetElapsedTime(_started).TotalSeconds);
            }
        }
    }

    /// <summary>One timed run of a background task.</summary>
    public readonly struct BackgroundTaskRun
    {
        private readonly WorkloadMetrics _metrics;
        private readonly string _taskName;
        private readonly long _started;

        internal BackgroundTaskRun(WorkloadMetrics metrics, string taskName, long started)
        {
            _metrics = metrics;
            _taskName = taskName;
            _started = started;
        }

        /// <summary>Records the run with its outcome and the time since it started.</summary>
        public void Complete(BackgroundTaskStatus status) =>
            _metrics.TaskCompleted(_taskName, status, Stopwatch.GetElapsedTime(_started));
    }
}
