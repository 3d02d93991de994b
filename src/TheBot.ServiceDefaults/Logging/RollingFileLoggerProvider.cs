using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace TheBot.Hosting;

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
