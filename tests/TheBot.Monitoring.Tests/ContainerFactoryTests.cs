using System.Data.Common;
using Autofac.Extensions.DependencyInjection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.Caching;
using TheBot.Monitoring.Data;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>
/// Data services are decorated on their registrations, so the host keeps its own service provider factory and any
/// container that reads the collection (Autofac here) gets them instrumented without an extra call. What is
/// registered after <c>AddTheBotMonitoring()</c> needs <c>InstrumentTheBotDataServices()</c>, and is named at start
/// until it gets it.
/// </summary>
public sealed class ContainerFactoryTests
{
    // Stands in for a third-party container's factory: it builds from the collection as given, and tells it was used.
    private sealed class OtherContainerFactory : IServiceProviderFactory<IServiceCollection>
    {
        public bool Used { get; private set; }

        public IServiceCollection CreateBuilder(IServiceCollection services) => services;

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder)
        {
            Used = true;
            return containerBuilder.BuildServiceProvider();
        }
    }

    [Fact]
    public async Task With_the_default_container_the_memory_cache_is_instrumented()
    {
        await using var app = await TestApp.StartAsync(_ => { }, services => services.AddMemoryCache(), inMemory: true);

        Assert.IsType<InstrumentedMemoryCache>(app.Services.GetRequiredService<IMemoryCache>());
        Assert.Empty(app.Services.GetRequiredService<DataServiceInstrumentation>().Missed());
    }

    [Fact]
    public async Task The_hosts_own_factory_is_kept_and_its_container_gets_the_instrumented_services()
    {
        var factory = new OtherContainerFactory();
        await using var app = await TestApp.StartAsync(_ => { }, services => services.AddMemoryCache(), inMemory: true,
            beforeMonitoring: builder => builder.Host.UseServiceProviderFactory(factory));

        Assert.True(factory.Used, "AddTheBotMonitoring replaced the host's service provider factory");
        Assert.IsType<InstrumentedMemoryCache>(app.Services.GetRequiredService<IMemoryCache>());
    }

    [Fact]
    public async Task A_service_registered_after_monitoring_is_named_until_instrumented_explicitly()
    {
        await using (var late = await TestApp.StartAsync(_ => { }, inMemory: true,
            afterMonitoring: builder => builder.Services.AddMemoryCache()))
        {
            Assert.IsNotType<InstrumentedMemoryCache>(late.Services.GetRequiredService<IMemoryCache>());
            Assert.Contains(nameof(IMemoryCache), late.Services.GetRequiredService<DataServiceInstrumentation>().Missed());
        }

        await using var explicitly = await TestApp.StartAsync(_ => { }, inMemory: true,
            afterMonitoring: builder =>
            {
                builder.Services.AddMemoryCache();
                builder.Services.InstrumentTheBotDataServices();
                builder.Services.InstrumentTheBotDataServices(); // no second wrapper, no duplicate health check
            });

        var cache = Assert.IsType<InstrumentedMemoryCache>(explicitly.Services.GetRequiredService<IMemoryCache>());
        Assert.IsNotType<InstrumentedMemoryCache>(cache.Inner);
        Assert.Empty(explicitly.Services.GetRequiredService<DataServiceInstrumentation>().Missed());
        using var health = await explicitly.GetAsync("/api/system/health/", null);
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_host_built_with_Autofac_counts_data_source_commands_without_an_extra_call()
    {
        using var database = new TemporarySqliteFile("autofac");
        await using var app = await TestApp.StartAsync(_ => { },
            services => services.AddSingleton<DbDataSource>(_ => SqliteFactory.Instance.CreateDataSource(database.ConnectionString)),
            inMemory: true,
            afterMonitoring: builder => builder.Host.UseServiceProviderFactory(new AutofacServiceProviderFactory()));

        Assert.IsType<AutofacServiceProvider>(app.Services);
        var dataSource = app.Services.GetRequiredService<DbDataSource>();
        Assert.IsType<InstrumentedDbDataSource>(dataSource);
        await using (var create = dataSource.CreateCommand("CREATE TABLE lessons (id INTEGER PRIMARY KEY, title TEXT)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        for (var i = 0; i < 3; i++)
        {
            await using var select = dataSource.CreateCommand("SELECT title FROM lessons WHERE id = 1");
            await select.ExecuteScalarAsync();
        }

        var text = await app.ScrapeAsync();
        Assert.Equal(3, Exposition.Value(text, "thebot_db_queries_total", ("database", "default"), ("operation", "select"), ("table", "lessons")));
    }
}
