namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>Endpoint metadata: the endpoint is routed only for connections accepted on <paramref name="Port"/> (<see cref="MonitoringOptions.ManagementPort"/>).</summary>
internal sealed record ManagementPortMetadata(int Port);
