namespace GossipPure.Core;

/// <summary>The wire names of the message types, as they appear in the JSON <c>type</c> field and in log lines.</summary>
public static class Wire
{
    /// <summary>The name <see cref="MessageTable"/> declares for the message's type (the CLR name for one it does not hold).</summary>
    public static string TypeName(Message m) => MessageTable.Of(m)?.Name ?? m.GetType().Name;
}
