// LanguageExt's HashSet<T> would clash with System.Collections.Generic.HashSet<T> (ImplicitUsings): the LanguageExt
// namespace is imported for Seq and Option, and the bare name HashSet is not used in this project.
global using LanguageExt;
global using static LanguageExt.Prelude;
global using GossipPure.Core;
global using GossipPure.Core.Peers;
global using GossipPure.Core.Seeds;
global using GossipPure.Simulation;
global using Xunit;
