using Microsoft.Extensions.Options;
using TheBot.Monitoring.Health;
using TheBot.Routing;
using Yarp.ReverseProxy.Configuration;

namespace TheBot.Web;

public static class BackendProxyExtensions
{
    public const string ClusterId = "backend";

    /// <summary>
    /// YARP routes <c>/api/{**}</c> and <c>/ws/{**}</c> (WebSockets included) to the backend, plus the ready-tagged
    /// <c>backend</c> health check. The proxy routes have a high <c>Order</c>, so this host's own endpoints
    /// (<c>/api/system/*</c>) always win.
    /// </summary>
    public static IHostApplicationBuilder AddBackendProxy(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BackendOptions>().BindConfiguration(BackendOptions.SectionName)
            .Validate(o => Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https", "Backend:BaseUrl must be an absolute http(s) URL.")
            .ValidateOnStart();
        if (builder.Configuration[$"{BackendOptions.SectionName}:{nameof(BackendOptions.DestinationsFile)}"] is { Length: > 0 } destinationsFile)
        {
            builder.Configuration.AddJsonFile(destinationsFile, optional: false, reloadOnChange: true);
        }

        var backend = builder.Configuration.GetSection(BackendOptions.SectionName).Get<BackendOptions>() ?? new BackendOptions();

        RouteConfig[] routes =
        [
            // One route per backend template (the list the backend checks against what it maps at start-up): the
            // request's endpoint, and with it the metrics label, is the backend's template. Matching is the routing
            // DFA's, so more routes cost nothing per request.
            .. PublicRoutes.Templates.Select(template =>
                new RouteConfig { RouteId = template, ClusterId = ClusterId, Order = 100, Match = new RouteMatch { Path = template } }),

            // Anything else under /api and /ws still reaches the backend (which answers 404 or its test-only endpoints),
            // under one bounded catch-all label each.
            new() { RouteId = "api", ClusterId = ClusterId, Order = 101, Match = new RouteMatch { Path = "/api/{**rest}" } },
            new() { RouteId = "ws", ClusterId = ClusterId, Order = 101, Match = new RouteMatch { Path = "/ws/{**rest}" } },
        ];
        builder.Services.AddReverseProxy().LoadFromMemory(routes, [Cluster(backend)]);
        builder.Services.AddHostedService<DestinationReloader>();
        builder.Services.AddSingleton<IReadOnlyList<RouteConfig>>(routes);

        builder.Services.AddHttpClient(ClusterId, (sp, client) =>
        {
            var options = sp.GetRequiredService<IOptions<BackendOptions>>().Value;
            client.BaseAddress = new Uri(options.BaseUrl);
            client.Timeout = TimeSpan.FromSeconds(options.ProbeTimeoutSeconds);
        });
        builder.Services.AddHealthChecks().AddCheck<BackendHealthCheck>("backend", tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary>
    /// The one cluster: the single <see cref="BackendOptions.BaseUrl"/> as today, or every configured destination
    /// behind YARP's round-robin with active health checks on the backend's readiness endpoint, so an instance that
    /// is down or not ready stops receiving requests within one probe interval and comes back when it answers again.
    /// </summary>
    internal static ClusterConfig Cluster(BackendOptions backend)
    {
        var several = backend.Destinations.Count > 0;
        return new ClusterConfig
        {
            ClusterId = ClusterId,
            Destinations = several
                ? backend.Destinations.ToDictionary(d => d.Key, d => new DestinationConfig { Address = d.Value })
                : new Dictionary<string, DestinationConfig> { ["primary"] = new() { Address = backend.BaseUrl } },
            // Round-robin rather than the default power-of-two-choices: every instance gets its share even of a
            // sequential client, which is what an operator expects of "N instances behind the frontend".
            LoadBalancingPolicy = several ? Yarp.ReverseProxy.LoadBalancing.LoadBalancingPolicies.RoundRobin : null,
            HealthCheck = several
                ? new HealthCheckConfig
                {
                    Active = new ActiveHealthCheckConfig
                    {
                        Enabled = true,
                        Interval = TimeSpan.FromSeconds(backend.HealthProbeIntervalSeconds),
                        Timeout = TimeSpan.FromSeconds(backend.ProbeTimeoutSeconds),
                        Policy = Yarp.ReverseProxy.Health.HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                        Path = "/api/system/readiness/",
                    },
                }
                : null,
            HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(60) },

            // Kestrel accepts UTF-8 in request header values; the outgoing client would refuse them as non-ASCII and
            // the proxy would answer 502 for the client's header. Forward them as the bytes they arrived as.
            HttpClient = new HttpClientConfig { RequestHeaderEncoding = "utf-8" },
        };
    }

    /// <summary>The proxy, and a 404 for the <c>/api/system/*</c> paths this host does not serve (never forwarded).</summary>
    public static WebApplication MapBackendProxy(this WebApplication app)
    {
        app.Map("/api/system/{**rest}", () => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
            detail: "This system endpoint does not exist on the frontend; the backend's own are not proxied."));
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(LabelClientsThatLeftAsync);
            proxy.Use(RefuseUnsupportedMethodsAsync);
            proxy.Use(RefuseDeclaredOversizeBodiesAsync);
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    /// <summary>
    /// A client that closed the connection before the answer (a user who navigated away) is nobody's failure: YARP
    /// reports the cancelled forward as 400, and this host's metrics record it as 499 (client closed request), the status
    /// the backend's own server gives the same request, so neither a 5xx nor a spurious "bad request" is counted.
    /// </summary>
    private static async Task LabelClientsThatLeftAsync(HttpContext context, Func<Task> next)
    {
        await next();
        if (context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted
            && context.Features.Get<Yarp.ReverseProxy.Forwarder.IForwarderErrorFeature>()?.Error
                is Yarp.ReverseProxy.Forwarder.ForwarderError.RequestCanceled or Yarp.ReverseProxy.Forwarder.ForwarderError.RequestBodyCanceled)
        {
            context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
        }
    }

    /// <summary>
    /// The methods the proxy forwards. CONNECT asks for a tunnel, which a reverse proxy of an HTTP API does not open
    /// (YARP throws <see cref="NotSupportedException"/> and answers 502); TRACE echoes requests (cross-site tracing); any
    /// other method names nothing the backend serves. Those are the client's mistake: 405 with an Allow header here,
    /// never forwarded, never a 5xx that would inflate the frontend's error ratio.
    /// </summary>
    public const string AllowedMethods = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";

    private static Task RefuseUnsupportedMethodsAsync(HttpContext context, Func<Task> next)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method))
        {
            return next();
        }

        // An upgrade (WebSocket) is a GET by RFC 6455; the proxy would otherwise open a session for a POST the backend refuses.
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>()?.IsUpgradableRequest == true)
        {
            return RefuseAsync(context, method, "GET", "An upgrade (WebSocket) request must be a GET");
        }

        return HttpMethods.IsHead(method) || HttpMethods.IsPost(method) || HttpMethods.IsPut(method)
               || HttpMethods.IsDelete(method) || HttpMethods.IsPatch(method) || HttpMethods.IsOptions(method)
            ? next()
            : RefuseAsync(context, method, AllowedMethods, $"The proxy forwards {AllowedMethods}");
    }

    private static Task RefuseAsync(HttpContext context, string method, string allow, string reason)
    {
        ProxyLog.UnsupportedMethod(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BackendProxyExtensions)),
            Printable(method), context.Request.Path.Value ?? string.Empty);
        context.Response.Headers.Allow = allow;
        return TypedResults.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, title: "Method not allowed",
            detail: $"{reason}; '{Printable(method)}' is not forwarded.").ExecuteAsync(context);
    }

    // A method is a token of at most the request line's length: echo a bounded prefix.
    private static string Printable(string method) => method.Length > 32 ? method[..32] + "…" : method;

    /// <summary>
    /// A body that declares more than this host accepts is refused here (413), before the backend is contacted:
    /// otherwise the proxy would open the upstream request and stream until the limit trips halfway. Bodies without a
    /// length are still cut off by the server's own limit while they stream.
    /// </summary>
    private static async Task RefuseDeclaredOversizeBodiesAsync(HttpContext context, Func<Task> next)
    {
        var limit = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (context.Request.ContentLength is { } length && limit is { } max && length > max)
        {
            ProxyLog.OversizeBody(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BackendProxyExtensions)),
                context.Request.Method, context.Request.Path.Value ?? string.Empty, length, max);
            await TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
                detail: $"The body is {length} bytes; this host accepts at most {max}.").ExecuteAsync(context);
            return;
        }

        await next();
    }
}
