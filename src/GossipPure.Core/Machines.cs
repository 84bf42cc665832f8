using Stateless;

namespace GossipPure.Core;

/// <summary>
/// How the core uses Stateless without giving up purity: a machine is built afresh over a local variable for each
/// transition, from a configuration with no entry or exit actions, so it only answers "which transition exists".
/// The same configuration exports the diagram in specs/.
/// </summary>
public static class Machines
{
    public delegate StateMachine<TState, TTrigger> Configuration<TState, TTrigger>(Func<TState> read, Action<TState> write);

    /// <summary>The state after <paramref name="trigger"/>, or None when the machine does not allow it from <paramref name="from"/>.</summary>
    public static Option<TState> Fire<TState, TTrigger>(Configuration<TState, TTrigger> configure, TState from, TTrigger trigger)
    {
        var state = from;
        var m = configure(() => state, s => state = s);
        if (!m.CanFire(trigger)) return None;
        m.Fire(trigger);
        return state;
    }

    /// <summary>The machine as a Graphviz DOT diagram, starting from <paramref name="initial"/>.</summary>
    public static string ToDot<TState, TTrigger>(Configuration<TState, TTrigger> configure, TState initial)
    {
        var state = initial;
        return Stateless.Graph.UmlDotGraph.Format(configure(() => state, s => state = s).GetInfo());
    }
}
