using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>
/// Once the server listens, logs an error when <see cref="MonitoringOptions.ManagementPort"/> is none of its ports:
/// the system endpoints are routed only there, so every probe and scrape would get a 404 with nothing saying why.
/// </summary>
/// <remarks>
/// An error, not a failed start: the host's own endpoints still serve, and a server that reports its addresses in
/// its own way (a custom <see cref="IServer"/>, a port another process forwards) may still be right. With no
/// addresses to compare (the test server, a worker without Kestrel) nothing is said.
/// </remarks>
internal sealed partial class ManagementPortListenerCheck(
    IOptions<MonitoringOptions> options, IHostApplicationLifetime lifetime, IServiceProvider services, ILogger<ManagementPortListenerCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.ManagementPort is { } port)
        {
            // The server binds its addresses after the hosted services start; ApplicationStarted comes after it has.
            lifetime.ApplicationStarted.Register(() => Check(port));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Check(int port)
    {
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null || addresses.Count == 0 || addresses.Any(address => PortOf(address) == port))
        {
            return;
        }

        LogNotListening(logger, port, string.Join(", ", addresses));
    }

    private static int? PortOf(string address)
    {
        try
        {
            return BindingAddress.Parse(address).Port;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [LoggerMessage(LogLevel.Error, "Monitoring:ManagementPort is {Port}, but the server listens on no such port ({Addresses}): the system endpoints " +
        "(health, readiness, liveness, the scrape) answer 404 on every port. Add a listener on that port (a second URL in ASPNETCORE_URLS " +
        "or Kestrel:Endpoints) or correct Monitoring:ManagementPort.")]
    private static partial void LogNotListening(ILogger logger, int port, string addresses);
}
