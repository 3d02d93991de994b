namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>Name and version of the running service.</summary>
/// <param name="Name">Service name.</param>
/// <param name="Version">Version.</param>
public sealed record ServiceIdentity(string Name, string Version);
