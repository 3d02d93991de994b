using Microsoft.Extensions.Caching.Distributed;
using TheBot.Monitoring;
using TheBot.Monitoring.AotApp;
using TheBot.Monitoring.Tests.Support;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddDistributedMemoryCache();
builder.Services.AddGrpc();
builder.Services.AddTheBotMetrics<LessonMetrics>();
builder.AddTheBotMonitoring();

var app = builder.Build();
app.MapTheBotMonitoring();
app.MapGet("/lessons/{id:int}", async (int id, IDistributedCache cache, LessonMetrics metrics) =>
{
    var title = await cache.GetStringAsync($"lesson:{id}") ?? $"Lesson {id}";
    await cache.SetStringAsync($"lesson:{id}", title);
    metrics.Viewed();
    return TypedResults.Text(title);
});
app.UseGrpcWeb();
app.MapGrpcService<EchoService>().EnableGrpcWeb();
app.Run();
