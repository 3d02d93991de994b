using TheBot.Api.Apis;
using TheBot.Api.Data;
using TheBot.Api.Domain;
using TheBot.Api.Faults;
using TheBot.Api.Jobs;
using TheBot.Api.Metrics;
using TheBot.Api.Payments;
using TheBot.Api.Routing;
using TheBot.Hosting;
using TheBot.Monitoring;

var builder = ServiceDefaults.CreateBuilder(args);
builder.AddServiceDefaults(defaultUrl: "http://127.0.0.1:8000");
builder.AddTheBotMonitoring();
// THE_BOT's business families (messages, assignments, payments) are the platform's, not the library's.
builder.Services.AddTheBotMetrics<BusinessMetrics>();
builder.AddPlatformData();
builder.AddPlatformDomain();
builder.AddPayments();
builder.AddBackgroundJobs();
builder.AddFaults();
// The data source and caches are registered after AddTheBotMonitoring(): instrument them now that all are in.
builder.Services.InstrumentTheBotDataServices();

var app = builder.Build();
app.UseServiceDefaults();
app.UseRouteIdValidation();
app.UseFaults();
app.UseWebSockets();
app.MapTheBotMonitoring();
app.MapUsersApi();
app.MapCoursesApi();
app.MapAssignmentsApi();
app.MapChatApi();
app.MapPaymentsApi();
app.MapJobsApi();
app.MapFaultsApi();
app.MapExceptionDrill();
app.EnsurePublicRoutesListed();
app.Run();
