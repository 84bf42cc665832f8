using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace GossipPure.Core.Tests.Support;

/// <summary>
/// Reads an assembly's metadata (never loads or runs it) and lists every reference that reaches I/O, a clock,
/// randomness, threads or logging. Each finding names the offending reference exactly, so a failure says what to remove.
/// </summary>
public static class AssemblyScanner
{
    /// <summary>Assemblies a pure core may reference besides the framework's own (System.*).</summary>
    static readonly string[] AllowedLibraries = ["LanguageExt.Core", "Stateless", "netstandard", "mscorlib"];

    /// <summary>Framework assemblies that exist only to do I/O, timing, threading, process control or logging.</summary>
    static readonly string[] ForbiddenAssemblyPrefixes =
    [
        "System.Net", "System.IO", "System.Console", "System.Threading", "System.Diagnostics.Process",
        "System.Diagnostics.TraceSource", "System.Diagnostics.DiagnosticSource", "System.Diagnostics.Tracing",
        "System.Diagnostics.EventLog", "System.Private.", "Microsoft.Extensions.Logging", "Microsoft.Win32",
    ];

    /// <summary>Whole namespaces no pure type may come from.</summary>
    static readonly string[] ForbiddenNamespaces =
    [
        "System.IO", "System.Net", "System.Threading", "System.Diagnostics.Tracing", "Microsoft.Win32",
        "Microsoft.Extensions.Logging", "Serilog", "NLog", "log4net", "LanguageExt.Sys",
    ];

    /// <summary>Single types no pure type may use.</summary>
    static readonly string[] ForbiddenTypes =
    [
        "System.Random", "System.Environment", "System.Console", "System.TimeProvider", "System.AppDomain",
        "System.Diagnostics.Stopwatch", "System.Diagnostics.Process", "System.Diagnostics.ProcessStartInfo",
        "System.Diagnostics.Trace", "System.Diagnostics.Activity", "System.Diagnostics.EventLog",
        "System.Security.Cryptography.RandomNumberGenerator", "System.Runtime.InteropServices.Marshal",
        "System.Runtime.InteropServices.DllImportAttribute", "System.Runtime.InteropServices.LibraryImportAttribute",
    ];

    /// <summary>Members that read the clock, draw randomness or write a log line on otherwise harmless types.</summary>
    static readonly (string Type, string Member)[] ForbiddenMembers =
    [
        ("System.DateTime", "get_Now"), ("System.DateTime", "get_UtcNow"), ("System.DateTime", "get_Today"),
        ("System.DateTimeOffset", "get_Now"), ("System.DateTimeOffset", "get_UtcNow"),
        ("System.Guid", "NewGuid"), ("System.Guid", "CreateVersion7"),
        ("System.Diagnostics.Debug", "Write"), ("System.Diagnostics.Debug", "WriteLine"),
        ("System.Diagnostics.Debug", "WriteIf"), ("System.Diagnostics.Debug", "WriteLineIf"),
        ("System.Diagnostics.Debug", "Print"),
    ];

    public static IReadOnlyList<string> Offences(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var found = new SortedSet<string>(StringComparer.Ordinal);

        foreach (var h in md.AssemblyReferences)
        {
            var name = md.GetString(md.GetAssemblyReference(h).Name);
            var framework = name == "System" || name.StartsWith("System.", StringComparison.Ordinal);
            if (ForbiddenAssemblyPrefixes.Any(p => name == p.TrimEnd('.') || name.StartsWith(p.TrimEnd('.') + ".", StringComparison.Ordinal)))
                found.Add($"assembly reference {name}: an I/O, clock, threading, process or logging library");
            else if (!framework && !AllowedLibraries.Contains(name))
                found.Add($"assembly reference {name}: not the framework, LanguageExt.Core or Stateless");
        }

        for (var row = 1; row <= md.GetTableRowCount(TableIndex.ModuleRef); row++)
            found.Add($"module reference {md.GetString(md.GetModuleReference(MetadataTokens.ModuleReferenceHandle(row)).Name)}: native code (P/Invoke)");

        foreach (var h in md.TypeReferences)
        {
            var type = FullName(md, h);
            if (IsForbiddenType(type)) found.Add($"type reference {type}");
        }

        var names = new TypeNameProvider(md);
        foreach (var h in md.MemberReferences)
        {
            var member = md.GetMemberReference(h);
            var owner = OwnerName(md, member.Parent, names);
            if (owner is null) continue;
            var memberName = md.GetString(member.Name);
            if (IsForbiddenType(owner) || ForbiddenMembers.Contains((owner, memberName)))
                found.Add($"member reference {owner}::{memberName}");
        }
        return [.. found];
    }

    /// <summary>Every type the assembly references, by full name: lets a test check the scan read what it should.</summary>
    /// <summary>The types defined in the assembly (namespace-qualified).</summary>
    public static IReadOnlyList<string> TypeDefinitions(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        return [.. md.TypeDefinitions.Select(h => FullName(md, h))];
    }

    /// <summary>The names of the assemblies it references.</summary>
    public static IReadOnlyList<string> AssemblyReferences(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        return [.. md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name))];
    }

    public static IReadOnlyList<string> TypeReferences(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        return [.. md.TypeReferences.Select(h => FullName(md, h)).Distinct().Order(StringComparer.Ordinal)];
    }

    static bool IsForbiddenType(string fullName)
    {
        var outer = fullName.Split('+')[0];
        var dot = outer.LastIndexOf('.');
        var ns = dot < 0 ? "" : outer[..dot];
        return ForbiddenTypes.Contains(outer)
            || ForbiddenNamespaces.Any(f => ns == f || ns.StartsWith(f + ".", StringComparison.Ordinal));
    }

    static string FullName(MetadataReader md, TypeReferenceHandle h)
    {
        var t = md.GetTypeReference(h);
        var name = md.GetString(t.Name);
        if (t.ResolutionScope.Kind == HandleKind.TypeReference)
            return FullName(md, (TypeReferenceHandle)t.ResolutionScope) + "+" + name;
        var ns = md.GetString(t.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    static string FullName(MetadataReader md, TypeDefinitionHandle h)
    {
        var t = md.GetTypeDefinition(h);
        var name = md.GetString(t.Name);
        var outer = t.GetDeclaringType();
        if (!outer.IsNil) return FullName(md, outer) + "+" + name;
        var ns = md.GetString(t.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    /// <summary>The declaring type of a member reference; a generic instantiation is named by its definition.</summary>
    static string? OwnerName(MetadataReader md, EntityHandle parent, TypeNameProvider names) => parent.Kind switch
    {
        HandleKind.TypeReference => FullName(md, (TypeReferenceHandle)parent),
        HandleKind.TypeDefinition => FullName(md, (TypeDefinitionHandle)parent),
        HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)parent).DecodeSignature(names, null),
        _ => null,   // a vararg call site or a module-level method: its type was checked with the type references
    };

    /// <summary>Decodes a type signature to the full name of the type it instantiates (generic arguments dropped).</summary>
    sealed class TypeNameProvider(MetadataReader md) : ISignatureTypeProvider<string, object?>
    {
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "System." + typeCode;
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => FullName(md, handle);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => FullName(md, handle);
        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        public string GetSZArrayType(string elementType) => "System.Array";
        public string GetArrayType(string elementType, ArrayShape shape) => "System.Array";
        public string GetByReferenceType(string elementType) => elementType;
        public string GetPointerType(string elementType) => elementType;
        public string GetPinnedType(string elementType) => elementType;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType;
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
    }
}
