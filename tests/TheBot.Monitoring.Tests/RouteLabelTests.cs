using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

public sealed class RouteLabelTests
{
    [Fact]
    public async Task Group_roots_and_trailing_slashes_get_the_label_of_the_path_they_serve()
    {
        await using var app = await TestApp.StartAsync(a =>
        {
            var users = a.MapGroup("/api/users");
            users.MapPost("", () => TypedResults.Created());
            a.MapGet("/api/courses/", () => "ok");
        });
        await app.Client.PostAsync("/api/users", null);
        await app.Client.GetAsync("/api/courses/");

        var text = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "POST"), ("endpoint", "/api/users"), ("status", "201")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/courses"), ("status", "200")));
    }

    [Fact]
    public async Task A_client_error_produced_by_the_exception_handler_keeps_its_route_and_is_not_an_exception()
    {
        await using var app = await TestApp.StartAsync(a =>
        {
            var web = (WebApplication)a;
            web.UseExceptionHandler(new ExceptionHandlerOptions
            {
                StatusCodeSelector = e => e is BadHttpRequestException ? 400 : 500,
                ExceptionHandler = context => Task.CompletedTask,
            });
            a.MapPost("/api/things/{id:int}", string (int id) => throw new BadHttpRequestException("bad thing"));
            a.MapGet("/api/crash", string () => throw new InvalidOperationException("crash"));
        }, services => services.AddProblemDetails());

        Assert.Equal(HttpStatusCode.BadRequest, (await app.Client.PostAsync("/api/things/1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await app.Client.GetAsync("/api/crash")).StatusCode);

        var text = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "POST"), ("endpoint", "/api/things/{id}"), ("status", "400")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/crash"), ("status", "500")));
        Assert.Null(Exposition.Value(text, "thebot_http_request_exceptions_total", ("exception_type", "BadHttpRequestException")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_request_exceptions_total", ("exception_type", "InvalidOperationException")));
    }

    [Fact]
    public async Task Identity_api_endpoints_get_their_templates_under_the_apps_group()
    {
        // MapIdentityApi as an app maps it, under its own prefix. The calls below are refused before any user store is
        // reached (a malformed body, no credentials), so the test needs none.
        await using var app = await TestApp.StartAsync(
            IdentityStoreTests.MapAccountApi,
            services => services.AddAuthorization().AddIdentityApiEndpoints<IdentityUser>());
        foreach (var path in new[] { "/api/account/register", "/api/account/login" })
        {
            using var malformed = new StringContent("{", System.Text.Encoding.UTF8, "application/json");
            Assert.Equal(HttpStatusCode.BadRequest, (await app.Client.PostAsync(path, malformed)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.GetAsync("/api/account/manage/info")).StatusCode);

        var text = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "POST"), ("endpoint", "/api/account/register"), ("status", "400")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "POST"), ("endpoint", "/api/account/login"), ("status", "400")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/account/manage/info"), ("status", "401")));
        Assert.DoesNotContain("unmatched", text, StringComparison.Ordinal);
        Assert.Empty(Exposition.Samples(text, "thebot_http_request_exceptions_total")); // refusals, not failures
    }

    [Fact]
    public async Task A_wrong_method_is_unmatched_not_a_display_name()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/only-get", () => "ok"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await app.Client.DeleteAsync("/only-get")).StatusCode);

        var text = await app.ScrapeAsync();
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "DELETE"), ("endpoint", "unmatched"), ("status", "405")));
    }

    [Fact]
    public async Task Static_assets_share_one_label_however_many_files_and_variants_they_map()
    {
        // What a Blazor or MVC app's build writes: a manifest of routes (a file, its fingerprinted name) over wwwroot.
        var root = Directory.CreateTempSubdirectory("thebot-static-assets-");
        try
        {
            var files = new Dictionary<string, string> { ["css/site.css"] = "body { margin: 0 }", ["js/app.js"] = "console.log(1);" };
            var routes = new List<object>();
            foreach (var (file, content) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root.FullName, "wwwroot", file))!);
                await File.WriteAllTextAsync(Path.Combine(root.FullName, "wwwroot", file), content);
                var headers = new object[]
                {
                    new { Name = "Content-Type", Value = file.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "text/javascript" },
                    new { Name = "Content-Length", Value = content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    new { Name = "ETag", Value = $"\"{file.GetHashCode():x}\"" },
                    new { Name = "Last-Modified", Value = "Sat, 05 Dec 2026 00:00:00 GMT" },
                };
                var fingerprinted = Path.ChangeExtension(file, "x7k2q9" + Path.GetExtension(file));
                routes.Add(new { Route = file, AssetFile = file, Selectors = Array.Empty<object>(), ResponseHeaders = headers, EndpointProperties = Array.Empty<object>() });
                routes.Add(new { Route = fingerprinted, AssetFile = file, Selectors = Array.Empty<object>(), ResponseHeaders = headers, EndpointProperties = Array.Empty<object>() });
            }

            var manifest = Path.Combine(root.FullName, "app.staticwebassets.endpoints.json");
            await File.WriteAllTextAsync(manifest, System.Text.Json.JsonSerializer.Serialize(new { Version = 1, ManifestType = "Build", Endpoints = routes }));

            await using var app = await TestApp.StartAsync(
                a =>
                {
                    a.MapStaticAssets(manifest);
                    a.MapGet("/api/courses/{id:int}", (int id) => TypedResults.Ok(id));
                },
                beforeMonitoring: builder =>
                {
                    builder.Environment.WebRootPath = Path.Combine(root.FullName, "wwwroot");
                    builder.Environment.WebRootFileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(builder.Environment.WebRootPath);
                });
            foreach (var path in new[] { "/css/site.css", "/css/site.x7k2q9.css", "/js/app.js", "/js/app.x7k2q9.js" })
            {
                using var response = await app.Client.GetAsync(path);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(files[path.Contains("css", StringComparison.Ordinal) ? "css/site.css" : "js/app.js"], await response.Content.ReadAsStringAsync());
            }

            Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/api/courses/7")).StatusCode);

            var text = await app.ScrapeAsync();
            Assert.Equal(4, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "static"), ("status", "200")));
            Assert.Equal(4, Exposition.Value(text, "thebot_http_request_duration_seconds_count", ("method", "GET"), ("endpoint", "static")));
            Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/api/courses/{id}"), ("status", "200")));
            Assert.DoesNotContain(Exposition.LabelValues(text, "thebot_http_requests_total", "endpoint"), label => label.Contains(".css", StringComparison.Ordinal) || label.Contains(".js", StringComparison.Ordinal));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Actions_of_a_conventional_mvc_route_get_one_label_each_with_controller_and_action_in_place()
    {
        await using var app = await TestApp.StartAsync(
            a => ((WebApplication)a).MapControllerRoute("default", "{controller=Home}/{action=Index}/{id?}"),
            services => services.AddControllersWithViews().AddApplicationPart(typeof(HomeController).Assembly));
        foreach (var path in new[] { "/", "/Home", "/Home/Index/5", "/Home/About/3" })
        {
            Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync(path)).StatusCode);
        }

        var text = await app.ScrapeAsync();
        Assert.Equal(3, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/Home/Index/{id}"), ("status", "200")));
        Assert.Equal(1, Exposition.Value(text, "thebot_http_requests_total", ("method", "GET"), ("endpoint", "/Home/About/{id}"), ("status", "200")));
        Assert.DoesNotContain("/{controller}/{action}/{id}", Exposition.LabelValues(text, "thebot_http_requests_total", "endpoint"));
    }
}
