using Microsoft.AspNetCore.Mvc;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>An attribute-routed controller, for the labels of an app that mixes controllers and minimal APIs.</summary>
[ApiController]
[Route("api/todos")]
public sealed class TodosController : ControllerBase
{
    [HttpGet("{id:int}")]
    public IActionResult Get(int id) => id > 0 ? Ok(new { id }) : NotFound();
}
