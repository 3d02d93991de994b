using Microsoft.Extensions.Caching.Memory;

namespace TheBot.Monitoring.Caching;

/// <summary>The container, except that IMemoryCache is the application's cache without our instrumentation.</summary>
internal sealed class UninstrumentedMemoryCacheProvider(IServiceProvider container) : IServiceProvider
{
    public object? GetService(Type serviceType) =>
        serviceType == typeof(IMemoryCache) ? container.GetService(serviceType) is InstrumentedMemoryCache instrumented ? instrumented.Inner : container.GetService(serviceType)
        : serviceType == typeof(IServiceProvider) ? this
        : container.GetService(serviceType);
}
