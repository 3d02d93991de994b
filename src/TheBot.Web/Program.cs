using TheBot.Hosting;
using TheBot.Monitoring;
using TheBot.Web;

var builder = ServiceDefaults.CreateBuilder(args);
builder.AddServiceDefaults(defaultUrl: "http://127.0.0.1:3001");
builder.AddTheBotMonitoring();
builder.AddBackendProxy();
// Anything data-related the proxy registered after AddTheBotMonitoring() is instrumented too.
builder.Services.InstrumentTheBotDataServices();

var app = builder.Build();
app.UseServiceDefaults();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapTheBotMonitoring();
app.MapBackendProxy();
app.Run();
