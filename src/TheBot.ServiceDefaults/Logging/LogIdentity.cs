namespace TheBot.Hosting;

/// <summary>Who writes the log lines: the <c>service</c> and <c>job</c> fields of every line.</summary>
public sealed record LogIdentity(string Service, string Job);
