global using System;
global using System.Linq;
global using LanguageExt;
global using static LanguageExt.Prelude;
global using GossipPure.Core.Detection;
