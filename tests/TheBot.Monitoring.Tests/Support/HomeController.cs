using Microsoft.AspNetCore.Mvc;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>An MVC controller reached only through a conventional route (no attribute routes), as the MVC templates write one.</summary>
public sealed class HomeController : Controller
{
    public string Index(int? id) => "home " + id;

    public string About(int id) => "about " + id;
}
