// LanguageExt's HashSet<T> clashes with System.Collections.Generic.HashSet<T> under ImplicitUsings. The LanguageExt
// namespace is imported for Seq and Option; the bare name HashSet is never used here: the simulator's own sets
// are the closed System type aliased below (or spelled out in full).
global using LanguageExt;
global using static LanguageExt.Prelude;
global using GossipPure.Core;
global using GossipPure.Core.Peers;
global using GossipPure.Core.Seeds;
global using IndexSet = System.Collections.Generic.HashSet<int>;
