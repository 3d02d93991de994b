namespace TheBot.Web;

internal static partial class ProxyLog
{
    [LoggerMessage(LogLevel.Information, "refused {Method} {Path}: body of {Length} bytes over the {Limit}-byte limit, answered 413 without contacting the backend")]
    public static partial void OversizeBody(ILogger logger, string method, string path, long length, long limit);

    [LoggerMessage(LogLevel.Information, "refused {Method} {Path}: the proxy does not forward this method, answered 405")]
    public static partial void UnsupportedMethod(ILogger logger, string method, string path);

    [LoggerMessage(LogLevel.Information, "backend destinations changed: {Count} ({Names})")]
    public static partial void DestinationsChanged(ILogger logger, int count, string names);
}
