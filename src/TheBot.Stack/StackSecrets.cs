namespace TheBot.Stack;

/// <summary>
/// The generated secrets of one stack (<see cref="SecretNames"/>) in its state folder's <see cref="StackPaths.Secrets"/>:
/// one already there is read; a missing one gets a random value that stays in memory until <see cref="Save"/> writes it.
/// Describing a stack (its process specs carry the passwords and tokens) thus writes nothing: <c>up</c> checks its ports
/// first and saves only when it goes on, so a refused <c>up</c> leaves the state folder as it was, and the verbs that only
/// read a stack (status, doctor) never create secrets for one that was never started.
/// </summary>
public sealed class StackSecrets(StackPaths paths)
{
    /// <summary>
    /// Generated and not yet saved, by secret file, for the whole process: two descriptions of one state folder in one
    /// process (a verb and its customised twin, a test comparing them) are one stack with one password, as they were
    /// when every description wrote its secrets at once.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Generated = new(StringComparer.Ordinal);

    private readonly Dictionary<string, string> _values = [];
    private readonly HashSet<string> _unsaved = [];

    /// <summary>The secret <paramref name="name"/>: the value in its file, else a new random one (the same on every call).</summary>
    public string Get(string name)
    {
        if (_values.TryGetValue(name, out var value))
        {
            return value;
        }

        var file = paths.SecretFile(name);
        if (File.Exists(file))
        {
            value = File.ReadAllText(file).Trim();
        }
        else
        {
            value = Generated.GetOrAdd(Path.GetFullPath(file), static _ => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
            _unsaved.Add(name);
        }

        _values[name] = value;
        return value;
    }

    /// <summary>Writes the secrets <see cref="Get"/> generated (readable by the owner only), so the stack keeps its passwords across restarts.</summary>
    public void Save()
    {
        foreach (var name in _unsaved)
        {
            var file = paths.SecretFile(name);
            OwnerOnlyFile.WriteAllText(file, _values[name]);

            Generated.TryRemove(Path.GetFullPath(file), out _);
        }

        _unsaved.Clear();
    }
}
