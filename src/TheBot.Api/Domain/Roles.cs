namespace TheBot.Api.Domain;

public static class Roles
{
    public static readonly string[] All = ["student", "teacher", "admin"];
}
