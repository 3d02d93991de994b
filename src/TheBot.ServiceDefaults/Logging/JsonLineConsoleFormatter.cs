using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace TheBot.Hosting;

/// <summary>Console formatter <c>thebot-json</c>: one <see cref="JsonLogLine"/> per event on stdout.</summary>
internal sealed class JsonLineConsoleFormatter(LogIdentity identity) : ConsoleFormatter(Name)
{
    public new const string Name = "thebot-json";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter) =>
        textWriter.WriteLine(JsonLogLine.Format(logEntry, scopeProvider, identity));
}
