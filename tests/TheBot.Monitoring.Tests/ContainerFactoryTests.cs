using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.Caching;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// A host has one service provider factory: another container's ConfigureContainer replaces the one that
/// instruments data services at build time, and InstrumentTheBotDataServices is the documented way back.
/// </summary>
public sealed class ContainerFactoryTests
{
    // Stands in for a third-party container's factory (Autofac, …): it builds from the collection as given.
    private sealed class OtherContainerFactory : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services) => services;

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) => containerBuilder.BuildServiceProvider();
    }

    [Fact]
    public async Task With_the_default_container_the_memory_cache_is_instrumented()
    {
        await using var app = await TestApp.StartAsync(_ => { }, services => services.AddMemoryCache(), inMemory: true);

        Assert.IsType<InstrumentedMemoryCache>(app.Services.GetRequiredService<IMemoryCache>());
    }

    [Fact]
    public async Task Another_container_factory_skips_the_instrumentation_unless_it_is_called_explicitly()
    {
        await using (var replaced = await TestApp.StartAsync(_ => { }, services => services.AddMemoryCache(), inMemory: true,
            afterMonitoring: builder => builder.Host.UseServiceProviderFactory(new OtherContainerFactory())))
        {
            Assert.IsNotType<InstrumentedMemoryCache>(replaced.Services.GetRequiredService<IMemoryCache>());
        }

        await using var explicitly = await TestApp.StartAsync(_ => { }, services => services.AddMemoryCache(), inMemory: true,
            afterMonitoring: builder =>
            {
                builder.Host.UseServiceProviderFactory(new OtherContainerFactory());
                builder.Services.InstrumentTheBotDataServices();
                builder.Services.InstrumentTheBotDataServices(); // idempotent: no second wrapper, no duplicate health check
            });

        var cache = Assert.IsType<InstrumentedMemoryCache>(explicitly.Services.GetRequiredService<IMemoryCache>());
        Assert.IsNotType<InstrumentedMemoryCache>(cache.Inner);
        using var health = await explicitly.GetAsync("/api/system/health/", null);
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }
}
