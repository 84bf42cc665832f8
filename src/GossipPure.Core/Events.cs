namespace GossipPure.Core;

/// <summary>
/// A fact the core reports: what happened at this node, as data. The shell renders events into the output file and
/// the JSON log; metrics, views, benches and the simulator read them as values, never as text.
/// </summary>
public abstract record NodeEvent : Effect;

/// <summary>
/// A state machine refused a trigger the code fired: a bug made visible, never silently overruled.
/// <paramref name="Subject"/> names what the machine is about (a proposal, a node).
/// </summary>
public sealed record TransitionRefused(string Machine, string From, string Trigger, string Subject) : NodeEvent;
