using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace TheBot.Monitoring.Http;

/// <summary>
/// Counts, in <c>thebot_http_request_exceptions_total</c>, the exceptions the developer exception page turns into a 500.
/// </summary>
/// <remarks>
/// In Development, <c>WebApplication</c> puts the developer exception page inside our middleware. The page catches the
/// exception and answers 500 itself, so the middleware sees no exception; the page sets
/// <see cref="IExceptionHandlerFeature"/> (which the middleware reads) only when it writes problem details. After it has
/// written its page, it reports the exception on the host's <see cref="DiagnosticListener"/> as
/// <see cref="EventName"/>; this observer counts that. Only the host's own listener is subscribed (never
/// <see cref="DiagnosticListener.AllListeners"/>), only to that event, and only in Development, so hosting's per-request
/// checks elsewhere stay as they were. The subscription ends when the container is disposed.
/// </remarks>
internal sealed class DeveloperExceptionPageObserver : IObserver<KeyValuePair<string, object?>>, IDisposable
{
    /// <summary>The event the developer exception page writes once it has answered (ASP.NET Core 2.0 and later).</summary>
    internal const string EventName = "Microsoft.AspNetCore.Diagnostics.UnhandledException";

    // The payload is an anonymous type { httpContext, exception }; its getters are looked up once per payload type.
    private static readonly ConcurrentDictionary<Type, (PropertyInfo? Context, PropertyInfo? Exception)> Getters = new();

    private readonly HttpMetrics _metrics;
    private IDisposable? _subscription;

    public DeveloperExceptionPageObserver(HttpMetrics metrics) => _metrics = metrics;

    /// <summary>Subscribes to <paramref name="listener"/> (the host's), once.</summary>
    public void Observe(DiagnosticListener listener) =>
        _subscription ??= listener.Subscribe(this, static name => name == EventName);

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key != EventName || value.Value is not { } payload)
        {
            return;
        }

        var (context, exception) = Read(payload);
        // A 4xx (BadHttpRequestException) is the client's failure, as for UseExceptionHandler; with a problem details
        // service the page sets IExceptionHandlerFeature and the middleware counts the exception itself.
        if (context is null || exception is null || context.Response.StatusCode < StatusCodes.Status500InternalServerError
            || context.Features.Get<IExceptionHandlerFeature>() is not null)
        {
            return;
        }

        _metrics.Exceptions.WithLabels(exception.GetType().Name).Inc();
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }

    public void Dispose() => _subscription?.Dispose();

    private static (HttpContext? Context, Exception? Exception) Read(object payload)
    {
        var (context, exception) = Getters.GetOrAdd(payload.GetType(), PropertiesOf);
        return (context?.GetValue(payload) as HttpContext, exception?.GetValue(payload) as Exception);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070",
        Justification = "ASP.NET Core writes the event with DynamicallyAccessedMembers(PublicProperties) on the payload type.")]
    private static (PropertyInfo? Context, PropertyInfo? Exception) PropertiesOf(Type payloadType) =>
        (payloadType.GetProperty("httpContext"), payloadType.GetProperty("exception"));
}
