namespace TheBot.Monitoring.Http;

/// <summary>
/// A request that may be recorded before its pipeline ends: a WebSocket at its handshake (<see cref="HandshakeTracker"/>),
/// an event stream at its first byte (<see cref="EventStreamTracker"/>). The rest of its lifetime is not a request's.
/// </summary>
internal interface IEarlyRecording
{
    /// <summary>
    /// Asked once, when the request's pipeline has ended: true when the request was recorded already; false when it was
    /// not, and then nothing records it later (the caller records it now, as an ordinary request).
    /// </summary>
    bool RecordedBeforeEnd();
}
