using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace TheBot.Monitoring.Http;

/// <summary>
/// Stands in for the server's upgrade features on an upgradable request (HTTP/1.1 <c>Upgrade</c>, HTTP/2 extended
/// CONNECT), so the HTTP metrics can record the request when the protocol switches (a WebSocket accepted, YARP
/// tunnelling one) instead of when the session ends: the request is counted with the handshake's status (101, or 200
/// for extended CONNECT) and timed to the handshake, and stops counting as in flight. Everything else is the server's.
/// Only upgradable requests get one, so ordinary requests allocate nothing for it.
/// </summary>
internal sealed class HandshakeTracker : IHttpUpgradeFeature, IHttpExtendedConnectFeature, IEarlyRecording
{
    private readonly HttpMetricsMiddleware _owner;
    private readonly HttpContext _context;
    private readonly long _started;
    private readonly IHttpUpgradeFeature? _upgrade;
    private readonly IHttpExtendedConnectFeature? _connect;

    private HandshakeTracker(HttpMetricsMiddleware owner, HttpContext context, long started, IHttpUpgradeFeature? upgrade, IHttpExtendedConnectFeature? connect)
    {
        _owner = owner;
        _context = context;
        _started = started;
        _upgrade = upgrade;
        _connect = connect;
    }

    /// <summary>True once the protocol switched and the request was recorded.</summary>
    private bool Switched { get; set; }

    /// <inheritdoc />
    public bool RecordedBeforeEnd() => Switched;

    bool IHttpUpgradeFeature.IsUpgradableRequest => _upgrade?.IsUpgradableRequest ?? false;

    bool IHttpExtendedConnectFeature.IsExtendedConnect => _connect?.IsExtendedConnect ?? false;

    string? IHttpExtendedConnectFeature.Protocol => _connect?.Protocol;

    /// <summary>Puts a tracker in front of the request's upgrade features when it can switch protocols; null when it cannot.</summary>
    public static HandshakeTracker? Attach(HttpMetricsMiddleware owner, HttpContext context, long started)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var connect = context.Features.Get<IHttpExtendedConnectFeature>();
        var upgradable = upgrade is { IsUpgradableRequest: true };
        var extended = connect is { IsExtendedConnect: true };
        if (!upgradable && !extended)
        {
            return null;
        }

        var tracker = new HandshakeTracker(owner, context, started, upgrade, connect);
        if (upgradable)
        {
            context.Features.Set<IHttpUpgradeFeature>(tracker);
        }

        if (extended)
        {
            context.Features.Set<IHttpExtendedConnectFeature>(tracker);
        }

        return tracker;
    }

    async Task<Stream> IHttpUpgradeFeature.UpgradeAsync()
    {
        var stream = await (_upgrade ?? throw new InvalidOperationException("This request cannot be upgraded.")).UpgradeAsync();
        OnSwitched();
        return stream;
    }

    async ValueTask<Stream> IHttpExtendedConnectFeature.AcceptAsync()
    {
        var stream = await (_connect ?? throw new InvalidOperationException("This request is not an extended CONNECT.")).AcceptAsync();
        OnSwitched();
        return stream;
    }

    private void OnSwitched()
    {
        if (!Switched)
        {
            Switched = true;
            _owner.Complete(_context, _started, null, atStart: true);
        }
    }
}
