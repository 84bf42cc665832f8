// LanguageExt's HashSet<T> would clash with System.Collections.Generic.HashSet<T> (imported by ImplicitUsings),
// so the LanguageExt namespace is not imported here: files name the few LanguageExt types they need (Seq, Option)
// through the aliases below, and use the Prelude functions (toSeq, Some, None) directly.
global using static LanguageExt.Prelude;
global using GossipPure.Core;
global using GossipPure.Core.Peers;
global using GossipPure.Core.Seeds;
global using GossipPure.Core.Detection;
global using Xunit;
