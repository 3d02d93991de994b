using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Http;

/// <summary>
/// Maps an endpoint (by reference) to its series, so that recording a request costs one dictionary probe
/// and a short scan instead of building label strings. Endpoints are a finite set built at start-up, which
/// is also what keeps the <c>endpoint</c> label bounded; every unrouted request shares <see cref="UnmatchedLabel"/>.
/// </summary>
internal sealed class EndpointSeriesCache(HttpMetrics metrics)
{
    public const string UnmatchedLabel = "unmatched";

    /// <summary>
    /// The label of every static asset endpoint (<c>MapStaticAssets</c>): it maps one endpoint per file, fingerprinted
    /// and compressed variants included (hundreds in a Blazor or MVC app), and a series per file would crowd the
    /// per-family series cap and the per-endpoint dashboards; one label keeps their traffic visible in one row.
    /// </summary>
    public const string StaticAssetsLabel = "static";

    private static readonly string[] MethodLabels = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "OTHER"];
    private static readonly string[] StatusLabels = Enumerable.Range(0, 600).Select(code => code.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private readonly ConcurrentDictionary<Endpoint, EndpointSeries> _byEndpoint = new(ReferenceEqualityComparer.Instance);
    private EndpointSeries? _unmatched;

    public EndpointSeries For(Endpoint? endpoint)
    {
        if (endpoint is null)
        {
            return _unmatched ??= new EndpointSeries(metrics, UnmatchedLabel);
        }

        return _byEndpoint.TryGetValue(endpoint, out var series)
            ? series
            : _byEndpoint.GetOrAdd(endpoint, static (e, m) =>
            {
                var grpc = GrpcStatus.KindOf(e);
                return new EndpointSeries(m, LabelOf(e))
                {
                    // ASP.NET Core's own switch (.DisableHttpMetrics() / [DisableHttpMetrics]), decided once per endpoint.
                    Disabled = e.Metadata.GetMetadata<IDisableHttpMetricsMetadata>() is not null,
                    Grpc = grpc,
                    Untimed = grpc == GrpcMethodKind.Streaming || e.Metadata.GetMetadata<ExcludeFromRequestDurationAttribute>() is not null,
                    UntimedGet = IsSignalRHub(e),
                };
            }, metrics);
    }

    /// <summary>
    /// A SignalR hub's connection endpoint (MapHub puts <c>HubMetadata</c> on it; matched by name, so the library does
    /// not reference SignalR). Its GETs are the transports: a WebSocket and an event stream are recorded at their
    /// start, and what is left is a long poll, which waits up to 90 s for a message by design.
    /// </summary>
    private static bool IsSignalRHub(Endpoint endpoint)
    {
        foreach (var metadata in endpoint.Metadata)
        {
            if (metadata.GetType().FullName == "Microsoft.AspNetCore.SignalR.HubMetadata")
            {
                return true;
            }
        }

        return false;
    }

    public static int MethodIndex(string method) =>
        HttpMethods.IsGet(method) ? 0
        : HttpMethods.IsPost(method) ? 1
        : HttpMethods.IsPut(method) ? 2
        : HttpMethods.IsDelete(method) ? 3
        : HttpMethods.IsPatch(method) ? 4
        : HttpMethods.IsHead(method) ? 5
        : HttpMethods.IsOptions(method) ? 6
        : 7;

    /// <summary>
    /// The route template without constraints, defaults or trailing slash: <c>/api/assignments/{id}</c>; for an MVC
    /// action of a conventional route, with its controller and action in place (<c>/Home/About/{id}</c>);
    /// <see cref="StaticAssetsLabel"/> for a static asset.
    /// </summary>
    public static string LabelOf(Endpoint endpoint)
    {
        if (endpoint is not RouteEndpoint route)
        {
            // The framework's own endpoints for 405/415 ("405 HTTP Method Not Supported"): no route served the request.
            return UnmatchedLabel;
        }

        if (route.Metadata.GetMetadata<Microsoft.AspNetCore.StaticAssets.StaticAssetDescriptor>() is not null)
        {
            return StaticAssetsLabel;
        }

        var builder = new StringBuilder();
        foreach (var segment in route.RoutePattern.PathSegments)
        {
            builder.Append('/');
            foreach (var part in segment.Parts)
            {
                _ = part switch
                {
                    RoutePatternLiteralPart literal => builder.Append(literal.Content),
                    RoutePatternSeparatorPart separator => builder.Append(separator.Content),
                    RoutePatternParameterPart { IsCatchAll: true } parameter => builder.Append("{**").Append(parameter.Name).Append('}'),
                    // MVC's conventional routes ({controller}/{action}/{id?}) give every action the same template; the
                    // action's own required values (controller, action, area) name it, one label per action as with
                    // attribute routes, still a finite set fixed at start-up.
                    RoutePatternParameterPart parameter when route.RoutePattern.RequiredValues.TryGetValue(parameter.Name, out var required)
                        && required is string { Length: > 0 } value => builder.Append(value),
                    RoutePatternParameterPart parameter => builder.Append('{').Append(parameter.Name).Append('}'),
                    _ => builder,
                };
            }
        }

        // No trailing slash: a group's "" child and a template written as "/x/" both serve /x, so both are "/x".
        if (builder.Length == 0)
        {
            builder.Append('/');
        }

        return builder.ToString();
    }

    internal sealed class EndpointSeries
    {
        private readonly HttpMetrics _metrics;
        private readonly Histogram?[] _durations = new Histogram?[MethodLabels.Length];
        private readonly StatusCounter[]?[] _counters = new StatusCounter[]?[MethodLabels.Length];

        public EndpointSeries(HttpMetrics metrics, string label)
        {
            _metrics = metrics;
            Label = label;
        }

        public string Label { get; }

        /// <summary>The endpoint opted out of HTTP metrics: its requests are neither counted nor timed.</summary>
        public bool Disabled { get; init; }

        /// <summary>
        /// A gRPC method: its calls are labelled with the HTTP status their <c>grpc-status</c> maps to (<see cref="GrpcStatus"/>),
        /// and a streaming one's are not timed.
        /// </summary>
        public GrpcMethodKind Grpc { get; init; }

        /// <summary>Counted, never timed: a streaming gRPC method, or an endpoint marked <see cref="ExcludeFromRequestDurationAttribute"/>.</summary>
        public bool Untimed { get; init; }

        /// <summary>
        /// Its GETs are counted but not timed unless recorded at their start (a SignalR hub: what remains is a long poll).
        /// </summary>
        public bool UntimedGet { get; init; }

        public Histogram Duration(int method) =>
            _durations[method] ??= _metrics.Duration.WithLabels(MethodLabels[method], Label);

        public Counter Requests(int method, int status)
        {
            var counters = Volatile.Read(ref _counters[method]);
            if (counters is not null)
            {
                foreach (var entry in counters)
                {
                    if (entry.Status == status)
                    {
                        return entry.Counter;
                    }
                }
            }

            return AddCounter(method, status);
        }

        private Counter AddCounter(int method, int status)
        {
            var statusLabel = (uint)status < (uint)StatusLabels.Length ? StatusLabels[status] : status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var counter = _metrics.Requests.WithLabels(MethodLabels[method], Label, statusLabel);
            lock (this)
            {
                var current = _counters[method] ?? [];
                if (!current.Any(c => c.Status == status))
                {
                    Volatile.Write(ref _counters[method], [.. current, new StatusCounter(status, counter)]);
                }
            }

            return counter;
        }
    }

    internal readonly record struct StatusCounter(int Status, Counter Counter);
}
