using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace TheBot.Monitoring.Http;

/// <summary>
/// Records every request: count by method, route and status; duration by method and route; unhandled
/// exceptions by type; and requests in flight. It sits first in the pipeline so it also sees requests that
/// other middleware answers or fails. A request that switches protocols (WebSocket) is recorded at the switch, with
/// its 101 and the time to the handshake, never the session (<see cref="HandshakeTracker"/>); a Server-Sent Events
/// response likewise when its stream starts (<see cref="EventStreamTracker"/>). A gRPC call is labelled with the HTTP
/// status its <c>grpc-status</c> maps to (<see cref="GrpcStatus"/>), and a streaming one is counted but not timed, as are the
/// requests of an endpoint marked <see cref="ExcludeFromRequestDurationAttribute"/> and a SignalR long poll. An endpoint with ASP.NET
/// Core's <c>DisableHttpMetrics</c> metadata is left out of requests and duration, as it is of the framework's own
/// HTTP metrics; an unhandled exception it throws is still counted.
/// </summary>
internal sealed class HttpMetricsMiddleware(RequestDelegate next, HttpMetrics metrics, EndpointSeriesCache cache)
{
    public Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        metrics.InFlight.Inc();

        // Two cheap tests keep ordinary requests off the upgrade path (no feature lookup, no allocation): an HTTP/1.1
        // upgrade carries an Upgrade header (a typed field on Kestrel), an HTTP/2 WebSocket is a CONNECT.
        if ((context.Request.Headers.Upgrade.Count != 0 || HttpMethods.IsConnect(context.Request.Method))
            && HandshakeTracker.Attach(this, context, started) is { } tracker)
        {
            return InvokeRecordedEarlyAsync(context, started, tracker);
        }

        // An event stream is a GET (EventSource, SignalR's SSE transport): other methods skip the header search.
        if (HttpMethods.IsGet(context.Request.Method) && EventStreamTracker.Accepts(context.Request.Headers.Accept))
        {
            return InvokeRecordedEarlyAsync(context, started, EventStreamTracker.Attach(this, context, started));
        }

        Task pending;
        try
        {
            pending = next(context);
        }
        catch (Exception exception)
        {
            Complete(context, started, exception);
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            Complete(context, started, null);
            return Task.CompletedTask;
        }

        return AwaitAsync(pending, context, started);
    }

    private async Task AwaitAsync(Task pending, HttpContext context, long started)
    {
        try
        {
            await pending;
        }
        catch (Exception exception)
        {
            Complete(context, started, exception);
            throw;
        }

        Complete(context, started, null);
    }

    private async Task InvokeRecordedEarlyAsync(HttpContext context, long started, IEarlyRecording tracker)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception)
        {
            if (tracker.RecordedBeforeEnd())
            {
                // Counted at the handshake or the stream's start; what escapes the session or stream later is still an
                // unhandled exception.
                metrics.Exceptions.WithLabels(exception.GetType().Name).Inc();
            }
            else
            {
                Complete(context, started, exception);
            }

            throw;
        }

        if (!tracker.RecordedBeforeEnd())
        {
            // An ordinary request: a refused upgrade (400, 403, 404 …), an answer other than an event stream (a 401,
            // JSON), or an event stream whose headers had not gone out yet.
            Complete(context, started, null);
        }
    }

    /// <summary>Records a finished request, or one recorded at its start (<paramref name="atStart"/>: a handshake, a stream's first byte).</summary>
    internal void Complete(HttpContext context, long started, Exception? exception, bool atStart = false)
    {
        var elapsed = Stopwatch.GetTimestamp() - started;
        metrics.InFlight.Dec();
        var endpoint = context.GetEndpoint();
        var status = context.Response.StatusCode;
        if (exception is not null)
        {
            if (exception is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
            {
                // The client hung up and the handler's await was cancelled (or its write failed): nobody waits for an
                // answer and nothing failed in the service. 499, as nginx and the frontend label it, never a 5xx.
                status = StatusCodes.Status499ClientClosedRequest;
            }
            else if (exception is BadHttpRequestException badRequest && !context.Response.HasStarted)
            {
                // Kestrel answers a BadHttpRequestException (a body over the size limit, a malformed request) with the
                // exception's own status, a 4xx: the client's mistake, neither a 500 nor an exception of ours.
                status = badRequest.StatusCode;
                if (status >= StatusCodes.Status500InternalServerError)
                {
                    metrics.Exceptions.WithLabels(exception.GetType().Name).Inc();
                }
            }
            else
            {
                // The server turns an escaped exception into a 500 (or an aborted connection).
                status = StatusCodes.Status500InternalServerError;
                metrics.Exceptions.WithLabels(exception.GetType().Name).Inc();
            }
        }
        else if (status >= StatusCodes.Status400BadRequest && context.Features.Get<IExceptionHandlerFeature>() is { } handled)
        {
            // (Looked up only for error statuses: a feature lookup on every request would cost the hot path.)
            // UseExceptionHandler caught it and re-ran the pipeline: label the original route, and count the exception
            // when it became a server error (a handler that turns bad input into a 400 is not a failure of ours).
            endpoint = handled.Endpoint ?? endpoint;
            if (status >= StatusCodes.Status500InternalServerError)
            {
                metrics.Exceptions.WithLabels(handled.Error.GetType().Name).Inc();
            }
        }

        var series = cache.For(endpoint);
        if (series.Disabled)
        {
            return;
        }

        var method = EndpointSeriesCache.MethodIndex(context.Request.Method);
        if (series.Grpc != GrpcMethodKind.None && exception is null && status == StatusCodes.Status200OK)
        {
            // Every gRPC call answers 200; its outcome is in grpc-status (read only for gRPC endpoints).
            status = GrpcStatus.HttpStatusOf(context, status);
        }

        if (!series.Untimed && !(series.UntimedGet && method == 0 && !atStart))
        {
            // A streaming gRPC call lasts as long as its stream, a long poll as long as there is no news: counted,
            // never timed as a request (method 0 is GET).
            series.Duration(method).ObserveTicks(elapsed);
        }

        series.Requests(method, status).Inc();
    }
}
