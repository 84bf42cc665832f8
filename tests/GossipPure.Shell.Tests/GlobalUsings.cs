// What every test file here uses. LanguageExt itself is imported per file: its HashSet would clash with
// System.Collections.Generic's under ImplicitUsings.
global using FsCheck;
global using FsCheck.Fluent;
global using FsCheck.Xunit;
global using GossipPure.Core;
global using GossipPure.Shell.Wire;
global using static LanguageExt.Prelude;
global using Xunit;
