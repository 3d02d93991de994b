using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace TheBot.Monitoring.Http;

/// <summary>
/// Records a Server-Sent Events response when its stream starts instead of when it ends, as
/// <see cref="HandshakeTracker"/> does for a WebSocket: an event stream lasts as long as its client stays (minutes,
/// hours), and timed to its end it would read as a slow request and raise the latency percentiles and alerts while
/// nobody waits. The request is counted with its status, timed to its first byte (the headers going out) and leaves
/// in flight; the stream's lifetime is the application's to measure. Only a request that accepts
/// <c>text/event-stream</c> (what <c>EventSource</c> and SSE clients send) gets one, so other requests allocate
/// nothing for it; a response of another type to such a request is recorded at its end as usual.
/// </summary>
internal sealed class EventStreamTracker : IEarlyRecording
{
    private const string EventStream = "text/event-stream";
    private const int Pending = 0, StreamStarted = 1, Ended = 2;

    // A vectorized, case-insensitive substring search: string.Contains(…, OrdinalIgnoreCase) took ~175 ns on a browser's
    // 90-character Accept header (docs/benchmarks.md §1a), more than the rest of the middleware.
    private static readonly System.Buffers.SearchValues<string> EventStreamValue =
        System.Buffers.SearchValues.Create([EventStream], StringComparison.OrdinalIgnoreCase);

    private readonly HttpMetricsMiddleware _owner;
    private readonly HttpContext _context;
    private readonly long _started;
    private int _state; // Pending, then StreamStarted (recorded at the start) or Ended (recorded at the end)

    private EventStreamTracker(HttpMetricsMiddleware owner, HttpContext context, long started)
    {
        _owner = owner;
        _context = context;
        _started = started;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Closes the window: a response that starts after the pipeline (headers flushed on completion, an event stream with
    /// no event) records nothing, since the caller records the request now.
    /// </remarks>
    public bool RecordedBeforeEnd() => Interlocked.CompareExchange(ref _state, Ended, Pending) == StreamStarted;

    /// <summary>True when the request's Accept lists <c>text/event-stream</c>.</summary>
    public static bool Accepts(StringValues accept)
    {
        // Most requests carry one Accept value or none; media types compare case-insensitively (RFC 9110).
        for (var i = 0; i < accept.Count; i++)
        {
            if (accept[i] is { } value && value.AsSpan().ContainsAny(EventStreamValue))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Watches the response's start; the request is recorded then if it is an event stream.</summary>
    public static EventStreamTracker Attach(HttpMetricsMiddleware owner, HttpContext context, long started)
    {
        var tracker = new EventStreamTracker(owner, context, started);
        context.Response.OnStarting(static state => ((EventStreamTracker)state).OnStarting(), tracker);
        return tracker;
    }

    private Task OnStarting()
    {
        var contentType = _context.Response.ContentType;
        if (contentType is not null && contentType.StartsWith(EventStream, StringComparison.OrdinalIgnoreCase)
            && Interlocked.CompareExchange(ref _state, StreamStarted, Pending) == Pending)
        {
            _owner.Complete(_context, _started, null, atStart: true);
        }

        return Task.CompletedTask;
    }
}
