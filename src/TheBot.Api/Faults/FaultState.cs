namespace TheBot.Api.Faults;

public sealed class FaultState
{
    private volatile FaultSettings _current = new(0, 0, 0);

    public FaultSettings Current
    {
        get => _current;
        set => _current = value;
    }
}
