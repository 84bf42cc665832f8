using System.Collections.Frozen;
using Stateless;

namespace GossipPure.Core;

/// <summary>
/// How the core uses Stateless without giving up purity: each machine is configured once, with no entry or exit
/// actions, and its transition table is read from the configuration's <c>GetInfo()</c> into an immutable table. A
/// step fires a trigger against that table: the new phase is the transition's destination, and a refused trigger is
/// a <see cref="TransitionRefused"/> event (a bug made visible), never overruled by a phase set by hand. The table is
/// read-only after construction, so the many nodes of a simulation and tests running in parallel share it safely;
/// no <c>StateMachine</c> object (which holds mutable state) is shared or kept. The same configuration exports the
/// diagram in specs/.
/// </summary>
public static class Machines
{
    public delegate StateMachine<TState, TTrigger> Configuration<TState, TTrigger>(Func<TState> read, Action<TState> write);
}

/// <summary>One transition a step fired: which machine, what it is about, and the step the machine took.</summary>
public readonly record struct Transition(string Machine, string Subject, string From, string Trigger, string To);

/// <summary>A machine's transition table, built once from its Stateless configuration.</summary>
public sealed class Machine<TState, TTrigger> where TState : struct, Enum where TTrigger : struct, Enum
{
    readonly FrozenDictionary<(TState From, TTrigger Trigger), TState> table;
    readonly Machines.Configuration<TState, TTrigger> configure;

    /// <summary>The machine's name in transitions, refusals and specs/NAME.dot.</summary>
    public string Name { get; }

    /// <summary>The phase a new record starts in.</summary>
    public TState Initial { get; }

    public Machine(string name, TState initial, Machines.Configuration<TState, TTrigger> configure)
    {
        Name = name;
        Initial = initial;
        this.configure = configure;
        var rows = new System.Collections.Generic.Dictionary<(TState, TTrigger), TState>();
        foreach (var st in Info().States)
        {
            var from = (TState)st.UnderlyingState;
            if (st.EntryActions.Any() || st.ExitActions.Any() || st.ActivateActions.Any() || st.DeactivateActions.Any() || st.DynamicTransitions.Any())
                throw new InvalidOperationException($"machine {name}: {from} has actions or dynamic transitions; a core machine only says which transitions exist");
            foreach (var t in st.FixedTransitions)
            {
                if (t.GuardConditionsMethodDescriptions.Any())
                    throw new InvalidOperationException($"machine {name}: {from} --{t.Trigger.UnderlyingTrigger}--> has a guard; the reducer decides which trigger to fire");
                rows.Add((from, (TTrigger)t.Trigger.UnderlyingTrigger), (TState)t.DestinationState.UnderlyingState);
            }
            foreach (var t in st.IgnoredTriggers) rows.Add((from, (TTrigger)t.Trigger.UnderlyingTrigger), from);
        }
        table = rows.ToFrozenDictionary();
    }

    /// <summary>The configuration as Stateless describes it (a fresh machine over a local variable: nothing shared).</summary>
    public Stateless.Reflection.StateMachineInfo Info()
    {
        var state = Initial;
        return configure(() => state, s => state = s).GetInfo();
    }

    /// <summary>Every transition of the table: (from, trigger) and the destination.</summary>
    public System.Collections.Generic.IEnumerable<(TState From, TTrigger Trigger, TState To)> Table =>
        table.Select(kv => (kv.Key.From, kv.Key.Trigger, kv.Value));

    /// <summary>Whether <paramref name="trigger"/> applies in <paramref name="from"/>: for inputs that only matter in some phases.</summary>
    public bool CanFire(TState from, TTrigger trigger) => table.ContainsKey((from, trigger));

    /// <summary>The destination of <paramref name="trigger"/> from <paramref name="from"/>, or None; fires nothing.</summary>
    public Option<TState> Next(TState from, TTrigger trigger) => table.TryGetValue((from, trigger), out var to) ? Some(to) : None;

    /// <summary>
    /// Fires <paramref name="trigger"/> on the record about <paramref name="subject"/>: true with the destination in
    /// <paramref name="to"/> (the step notes the transition), or false and a <see cref="TransitionRefused"/> event.
    /// The caller keeps the record as it was on a refusal.
    /// </summary>
    public bool Fire(TState from, TTrigger trigger, object subject, EffectList fx, out TState to)
    {
        if (table.TryGetValue((from, trigger), out to))
        {
            fx.Took(new Transition(Name, subject.ToString() ?? "", from.ToString(), trigger.ToString(), to.ToString()));
            return true;
        }
        fx.Add(new TransitionRefused(Name, from.ToString(), trigger.ToString(), subject.ToString() ?? ""));
        to = from;
        return false;
    }

    /// <summary>The machine as a Graphviz DOT diagram.</summary>
    public string ToDot() => Stateless.Graph.UmlDotGraph.Format(Info());
}
