using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OpenTelemetry.Metrics;
using Prometheus;
using TheBot.Monitoring;

// Usage: TheBot.Bench.Server --mode bare|ours|prometheus-net|otel|naive|prometheus-net-cached|otel-sdk|ours-nobridge|ours-nosampler|ours-nohealthprobe|ours-nobackground|ours-nomiddleware|ours-nothing|ours-unmapped|ours-nokestrel|ours-toggle [--port 5080] [--routes N]
// prometheus-net and otel are each peer's own ASP.NET Core instrumentation; prometheus-net-cached and otel-sdk run the
// same per-request work as ours written the best way each library allows (PeerRequestMetrics.cs).
// GET /hello answers a short string; each mode adds only its instrumentation (and its scrape endpoint). --routes N
// adds GET /r0 … /r{N-1}, N distinct route templates, so a load spread over them makes N series of every HTTP family
// (bench/prometheus-memory.sh).
var mode = Arg("--mode") ?? "bare";
var port = int.Parse(Arg("--port") ?? "5080", System.Globalization.CultureInfo.InvariantCulture);
var routes = int.Parse(Arg("--routes") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

// The template's builder (what `dotnet new web` and our services use), with logging off.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
builder.WebHost.ConfigureKestrel(options => options.AddServerHeader = false);

switch (mode)
{
    case "bare":
    case "naive":
        break;
    case "ours":
    case "ours-unmapped":
        // ours-unmapped: the services of the two lines without their endpoints (nothing to scrape), to tell the
        // endpoints' share from the services'.
        builder.AddTheBotMonitoring();
        break;
    case "ours-nokestrel":
        // The two lines with Kestrel's meter left out of the bridge: its instruments then stay disabled in Kestrel.
        builder.AddTheBotMonitoring(options => options.BridgedMeters.Remove("Microsoft.AspNetCore.Server.Kestrel"));
        break;
    case "ours-nosampler":
    case "ours-nohealthprobe":
    case "ours-nobackground":
    case "ours-nothing":
        // Ablations of the background work the two lines start (none of it is on the request path): the sampler that
        // keeps the JSON endpoints' windows, the health probe that runs every check on its interval, and the
        // MeterListener bridge. The sampler and the probe are registered by factories, so they are told apart by
        // their order among the factory-made hosted services AddTheBotMonitoring adds: the sampler first, the probe
        // last (AddHealthChecks' own publisher service, idle without publishers, stays in every ours mode).
        var before = builder.Services.ToList();
        builder.AddTheBotMonitoring();
        var added = builder.Services.Where(d => d.ServiceType == typeof(IHostedService) && !before.Contains(d)).ToList();
        var factories = added.Where(d => d.ImplementationFactory is not null).ToList();
        var bridge = added.SingleOrDefault(d => d.ImplementationType?.Name == "MonitoringStartup");
        if (factories.Count != 2 || bridge is null)
        {
            Console.Error.WriteLine($"expected the sampler, MonitoringStartup and the health probe among the hosted services; found {string.Join(", ", added.Select(d => d.ImplementationType?.Name ?? "factory"))}");
            return 2;
        }

        List<ServiceDescriptor> dropped = mode switch
        {
            "ours-nosampler" => [factories[0]],
            "ours-nohealthprobe" => [factories[1]],
            // ours-nothing: no background work and no middleware either; what is left is the registrations and the
            // endpoints, which do nothing for a request to /hello.
            "ours-nothing" => [factories[0], bridge, factories[1], .. builder.Services.Where(d => d.ImplementationType?.Name == "HttpMetricsStartupFilter")],
            _ => [factories[0], bridge, factories[1]],
        };
        foreach (var descriptor in dropped)
        {
            builder.Services.Remove(descriptor);
        }

        break;
    case "ours-nobridge":
    case "ours-nomiddleware":
    case "ours-toggle":
        // Ablations for finding where ours spends: the same two lines minus one internal part, removed by its
        // (internal) type name: the start-up service that starts the MeterListener bridge, or the startup filter
        // that inserts the HTTP middleware.
        builder.AddTheBotMonitoring();
        // ours-toggle puts the middleware back itself, behind a run-time switch (below).
        var removed = mode == "ours-nobridge" ? "MonitoringStartup" : "HttpMetricsStartupFilter";
        foreach (var descriptor in builder.Services.Where(d => d.ImplementationType?.Name == removed).ToList())
        {
            builder.Services.Remove(descriptor);
        }

        break;
    case "prometheus-net":
        break;
    case "prometheus-net-cached":
        // Its best configuration for this comparison: by default prometheus-net also listens to every .NET meter and
        // event counter (ASP.NET Core's own request histograms included), which would instrument each request twice.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressMeters = true, SuppressEventCounters = true });
        break;
    case "otel-sdk":
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(BenchMeter.Name)
            .AddPrometheusExporter());
        break;
    case "otel":
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter());
        break;
    default:
        Console.Error.WriteLine($"unknown --mode '{mode}': use bare, ours, prometheus-net, otel, naive, prometheus-net-cached, otel-sdk, ours-nobridge, ours-nosampler, ours-nohealthprobe, ours-nobackground, ours-nomiddleware, ours-nothing, ours-unmapped, ours-nokestrel or ours-toggle");
        return 2;
}

var app = builder.Build();

switch (mode)
{
    case "prometheus-net":
        app.UseRouting();
        app.UseHttpMetrics();
        app.MapMetrics();
        break;
    case "otel":
        app.MapPrometheusScrapingEndpoint();
        break;
    case "prometheus-net-cached":
        app.UseRouting();
        app.UsePrometheusNetCachedChildren();
        app.MapMetrics();
        break;
    case "otel-sdk":
        app.UseRouting();
        app.UseDiagnosticsMetricsMiddleware(app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>().Create(new System.Diagnostics.Metrics.MeterOptions(BenchMeter.Name)));
        app.MapPrometheusScrapingEndpoint();
        break;
    case "ours":
    case "ours-nobridge":
    case "ours-nosampler":
    case "ours-nohealthprobe":
    case "ours-nobackground":
    case "ours-nomiddleware":
    case "ours-nothing":
    case "ours-nokestrel":
        app.MapTheBotMonitoring();
        break;
    case "ours-toggle":
        // The real middleware behind a switch that bench/throughput-toggle.sh flips while the server runs: one
        // process, one JIT state and one memory layout measured with and without the per-request work, which
        // separate server processes (whose req/s differ by ±10 % among themselves) cannot resolve to 3 %.
        var metricsOn = new StrongBox<bool>(true);
        app.UseWhen(_ => metricsOn.Value, branch => branch.UseMiddleware<TheBot.Monitoring.Http.HttpMetricsMiddleware>());
        app.MapPost("/toggle/{on:bool}", (bool on) => metricsOn.Value = on);
        app.MapTheBotMonitoring();
        break;
    case "naive":
        var counts = new ConcurrentDictionary<string, long>();
        var totalTicks = new ConcurrentDictionary<string, long>();
        app.Use(async (context, next) =>
        {
            // What a first hand-written attempt looks like: a Stopwatch, a key string per request, two dictionaries.
            var stopwatch = Stopwatch.StartNew();
            await next(context);
            stopwatch.Stop();
            var key = $"{context.Request.Method} {context.Request.Path} {context.Response.StatusCode}";
            var elapsed = stopwatch.ElapsedTicks;
            counts.AddOrUpdate(key, 1, (_, n) => n + 1);
            totalTicks.AddOrUpdate(key, elapsed, (_, n) => n + elapsed);
        });
        app.MapGet("/metrics", () => string.Join('\n', counts.Select(pair => $"{pair.Key} {pair.Value}")));
        break;
}

app.MapGet("/hello", () => "Hello, THE_BOT!");
for (var route = 0; route < routes; route++)
{
    app.MapGet($"/r{route}", () => "ok");
}

// SIGUSR1 prints how much the JIT has compiled so far: bench/throughput.sh sends it around the measured run, so the
// compile work that still competes with requests after the warm-up is counted, independent of the machine's speed.
using var jitReport = PosixSignalRegistration.Create((PosixSignal)10, context =>
{
    context.Cancel = true;
    Console.WriteLine(FormattableString.Invariant(
        $"jit: methods={JitInfo.GetCompiledMethodCount()} ms={JitInfo.GetCompilationTime().TotalMilliseconds:F1}"));
});

Console.WriteLine($"mode={mode} listening on http://127.0.0.1:{port}");
app.Run();
return 0;

string? Arg(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

/// <summary>The meter of the otel-sdk mode's instruments.</summary>
internal static class BenchMeter
{
    public const string Name = "TheBot.Bench";
}
