namespace TheBot.Monitoring.Diagnostics;

/// <summary>How one of our families appears through System.Diagnostics.Metrics.</summary>
/// <param name="Name">Instrument name, e.g. <c>thebot.http.server.request.duration</c>.</param>
/// <param name="Unit">UCUM unit (<c>s</c>, <c>{request}</c>), or null when none is known.</param>
/// <param name="Kind">Instrument kind.</param>
/// <param name="Attributes">Attribute name for each label, in the family's label order.</param>
/// <param name="IntegerAttributes">Attributes whose values are published as integers (status codes), not strings.</param>
internal sealed record PublishedInstrument(string Name, string? Unit, InstrumentKind Kind, string[] Attributes, string[] IntegerAttributes);
