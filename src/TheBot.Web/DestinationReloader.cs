using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace TheBot.Web;

/// <summary>
/// Hands a changed <see cref="BackendOptions.Destinations"/> (the destinations file rewritten by
/// <c>./thebot scale</c>) to YARP's in-memory configuration: the proxy swaps its cluster without a restart, keeping
/// the routes, and the active health checks start probing the new instances.
/// </summary>
internal sealed class DestinationReloader(IOptionsMonitor<BackendOptions> options, InMemoryConfigProvider provider,
    IReadOnlyList<RouteConfig> routes, ILogger<DestinationReloader> logger) : IHostedService, IDisposable
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = options.OnChange(backend =>
        {
            provider.Update(routes, [BackendProxyExtensions.Cluster(backend)]);
            ProxyLog.DestinationsChanged(logger, backend.Destinations.Count, string.Join(", ", backend.Destinations.Keys));
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _subscription?.Dispose();
}
