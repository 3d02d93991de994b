using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace TheBot.Hosting;

/// <summary>Who writes the log lines: the <c>service</c> and <c>job</c> fields of every line.</summary>
public sealed record LogIdentity(string Service, string Job);

/// <summary>
/// One JSON object per log event, the shape shared by stdout and the rotating file so a shipper (Promtail, Vector,
/// Alloy) needs a single pipeline: <c>timestamp, level, category, message, trace_id, span_id, request_id, service,
/// job</c>, the event's own named values, and <c>exception</c> when there is one.
/// </summary>
public static class JsonLogLine
{
    private static readonly HashSet<string> Reserved = ["timestamp", "level", "category", "message", "event_id", "trace_id", "span_id", "request_id", "service", "job", "exception"];

    /// <summary>The level names written in the <c>level</c> field.</summary>
    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "critical",
    };

    /// <summary>Writes one event as a single line of JSON (no trailing newline).</summary>
    public static void Write<TState>(Utf8JsonWriter json, in LogEntry<TState> entry, IExternalScopeProvider? scopes, LogIdentity identity)
    {
        var message = entry.Formatter?.Invoke(entry.State, entry.Exception) ?? entry.State?.ToString() ?? string.Empty;
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        scopes?.ForEachScope(static (scope, target) => Collect(scope, target), fields);
        Collect(entry.State, fields);

        var activity = Activity.Current;
        json.WriteStartObject();
        json.WriteString("timestamp", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteString("level", LevelName(entry.LogLevel));
        json.WriteString("category", entry.Category);
        json.WriteString("message", message);
        if (entry.EventId.Id != 0)
        {
            json.WriteNumber("event_id", entry.EventId.Id);
        }

        WriteIfPresent(json, "trace_id", activity?.TraceId.ToString() ?? Take(fields, "TraceId"));
        WriteIfPresent(json, "span_id", activity?.SpanId.ToString() ?? Take(fields, "SpanId"));
        WriteIfPresent(json, "request_id", Take(fields, "RequestId"));
        json.WriteString("service", identity.Service);
        json.WriteString("job", identity.Job);
        foreach (var (key, value) in fields)
        {
            if (!Reserved.Contains(key) && key is not ("TraceId" or "SpanId" or "ParentId"))
            {
                json.WriteString(key, value);
            }
        }

        if (entry.Exception is not null)
        {
            json.WriteString("exception", entry.Exception.ToString());
        }

        json.WriteEndObject();
    }

    /// <summary>The line as a string, for sinks that write text.</summary>
    public static string Format<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopes, LogIdentity identity)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(json, entry, scopes, identity);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteIfPresent(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value) && value != "0000000000000000" && value != "00000000000000000000000000000000")
        {
            json.WriteString(name, value);
        }
    }

    private static string? Take(Dictionary<string, string?> fields, string key) => fields.Remove(key, out var value) ? value : null;

    private static void Collect(object? state, Dictionary<string, string?> target)
    {
        if (state is not IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            return;
        }

        foreach (var (key, value) in pairs)
        {
            if (key != "{OriginalFormat}")
            {
                target[key] = Convert.ToString(value, CultureInfo.InvariantCulture);
            }
        }
    }
}

/// <summary>Console formatter <c>thebot-json</c>: one <see cref="JsonLogLine"/> per event on stdout.</summary>
internal sealed class JsonLineConsoleFormatter(LogIdentity identity) : ConsoleFormatter(Name)
{
    public new const string Name = "thebot-json";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter) =>
        textWriter.WriteLine(JsonLogLine.Format(logEntry, scopeProvider, identity));
}

/// <summary>Registration of the JSON logs.</summary>
public static class JsonLoggingExtensions
{
    /// <summary>
    /// Replaces the default console output by JSON lines and, when <c>Logging:File:Path</c> is set, also writes them
    /// to a size-rotated file in that folder.
    /// </summary>
    public static WebApplicationBuilder AddJsonLogging(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var identity = new LogIdentity(
            configuration["Monitoring:ServiceName"] ?? builder.Environment.ApplicationName,
            configuration["Monitoring:JobName"] ?? builder.Environment.ApplicationName);
        builder.Services.TryAddSingleton(identity);

        var logging = builder.Logging;
        logging.ClearProviders();
        logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        logging.AddConsole(options => options.FormatterName = JsonLineConsoleFormatter.Name);
        logging.AddConsoleFormatter<JsonLineConsoleFormatter, ConsoleFormatterOptions>();

        builder.Services.AddOptions<RollingFileOptions>().BindConfiguration(RollingFileOptions.SectionName);
        if (!string.IsNullOrWhiteSpace(configuration[$"{RollingFileOptions.SectionName}:Path"]))
        {
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, RollingFileLoggerProvider>());
        }

        return builder;
    }
}

/// <summary>Options of the rotating file log (<c>Logging:File</c>).</summary>
public sealed class RollingFileOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Logging:File";

    /// <summary>Folder of the log files; no file log when empty.</summary>
    public string? Path { get; set; }

    /// <summary>File name without extension; defaults to the service name.</summary>
    public string? FileName { get; set; }

    /// <summary>Size at which the current file is rotated.</summary>
    public long MaxFileSizeBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Rotated files kept besides the current one (<c>name.1.log</c> is the newest).</summary>
    public int MaxRotatedFiles { get; set; } = 5;
}

/// <summary>
/// Writes <see cref="JsonLogLine"/>s to <c>{Path}/{service}.log</c>, rotating it to <c>{service}.1.log</c>, <c>.2</c>, ...
/// when it passes <see cref="RollingFileOptions.MaxFileSizeBytes"/>, keeping <see cref="RollingFileOptions.MaxRotatedFiles"/>.
/// Lines are queued and written by one background thread, so logging never waits for the disk.
/// </summary>
[ProviderAlias("File")]
public sealed class RollingFileLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly System.Threading.Channels.Channel<string> _lines =
        System.Threading.Channels.Channel.CreateBounded<string>(new System.Threading.Channels.BoundedChannelOptions(10_000)
        {
            FullMode = System.Threading.Channels.BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });

    private readonly RollingFileOptions _options;
    private readonly LogIdentity _identity;
    private readonly Task _writer;
    private IExternalScopeProvider? _scopes;

    /// <summary>Starts the writer.</summary>
    public RollingFileLoggerProvider(IOptions<RollingFileOptions> options, LogIdentity identity)
    {
        _options = options.Value;
        _identity = identity;
        Directory.CreateDirectory(_options.Path!);
        FilePath = System.IO.Path.Combine(_options.Path!, (_options.FileName ?? identity.Service) + ".log");
        _writer = Task.Factory.StartNew(WriteLoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>The current log file.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    /// <inheritdoc />
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <inheritdoc />
    public void Dispose()
    {
        _lines.Writer.TryComplete();
        _writer.Wait(TimeSpan.FromSeconds(2));
    }

    private async Task WriteLoopAsync()
    {
        FileStream? stream = null;
        long lost = 0;
        var retryAt = DateTime.MinValue;
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync())
            {
                if (stream is null && DateTime.UtcNow < retryAt)
                {
                    lost++;
                    continue;
                }

                try
                {
                    if (stream is null)
                    {
                        stream = Open();
                        if (lost > 0)
                        {
                            stream = await WriteLineAsync(stream, LostLinesNotice(lost));
                            lost = 0;
                        }
                    }

                    stream = await WriteLineAsync(stream, line);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    // A full disk, a vanished folder or a rotation that fails must neither take the service down nor
                    // silence the file for good: this line is lost (stdout still has it) and the file is opened
                    // again on a later line, at most once a second; the first line written then says how many were lost.
                    lost++;
                    stream = await CloseQuietlyAsync(stream);
                    retryAt = DateTime.UtcNow.AddSeconds(1);
                }
            }
        }
        finally
        {
            await CloseQuietlyAsync(stream);
        }
    }

    /// <summary>Writes one line, rotating first when it would pass the size limit; returns the stream now in use.</summary>
    private async Task<FileStream> WriteLineAsync(FileStream stream, string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        if (stream.Length > 0 && stream.Length + bytes.Length > _options.MaxFileSizeBytes)
        {
            await stream.DisposeAsync();
            Rotate();
            stream = Open();
        }

        await stream.WriteAsync(bytes);
        if (_lines.Reader.Count == 0)
        {
            await stream.FlushAsync();
        }

        return stream;
    }

    private string LostLinesNotice(long lost)
    {
        var entry = new LogEntry<string>(LogLevel.Warning, typeof(RollingFileLoggerProvider).FullName!, default,
            FormattableString.Invariant($"{lost} log line(s) could not be written to {FilePath} (they are on stdout)"), null, static (state, _) => state);
        return JsonLogLine.Format(entry, null, _identity);
    }

    private static async Task<FileStream?> CloseQuietlyAsync(FileStream? stream)
    {
        if (stream is not null)
        {
            try
            {
                await stream.DisposeAsync();
            }
            catch (IOException)
            {
                // Its buffered bytes are lost with it; the notice counts lines, not bytes.
            }
        }

        return null;
    }

    private FileStream Open()
    {
        Directory.CreateDirectory(_options.Path!);
        return new(FilePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    private void Rotate()
    {
        var stem = System.IO.Path.Combine(_options.Path!, _options.FileName ?? _identity.Service);
        File.Delete($"{stem}.{_options.MaxRotatedFiles}.log");
        for (var i = _options.MaxRotatedFiles - 1; i >= 1; i--)
        {
            if (File.Exists($"{stem}.{i}.log"))
            {
                File.Move($"{stem}.{i}.log", $"{stem}.{i + 1}.log", overwrite: true);
            }
        }

        if (_options.MaxRotatedFiles >= 1)
        {
            File.Move(FilePath, $"{stem}.1.log", overwrite: true);
        }
        else
        {
            File.Delete(FilePath);
        }
    }

    private sealed class FileLogger(RollingFileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes?.Push(state) ?? NullScope.Instance;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var entry = new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter);
            provider._lines.Writer.TryWrite(JsonLogLine.Format(entry, provider._scopes, provider._identity));
        }
    }

    private sealed class NullScope : IDisposable
    {
        public static readonly NullScope Instance = new();

        public void Dispose()
        {
        }
    }
}
