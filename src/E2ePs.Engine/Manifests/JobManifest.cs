using E2ePs.Contracts;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace E2ePs.Engine.Manifests;

/// <summary>
/// The four documents of a job manifest as typed Kubernetes objects: ServiceAccount, Role,
/// RoleBinding and Job. Parsing is strict, so a field the API schema does not know is an error.
/// </summary>
public sealed class JobManifest
{
    /// <summary>The ServiceAccount the pod runs under.</summary>
    public required V1ServiceAccount ServiceAccount { get; init; }

    /// <summary>The Role of the test.</summary>
    public required V1Role Role { get; init; }

    /// <summary>The RoleBinding of the Role to the ServiceAccount.</summary>
    public required V1RoleBinding RoleBinding { get; init; }

    /// <summary>The Job.</summary>
    public required V1Job Job { get; init; }

    /// <summary>The documents in the order they are written and applied: a Job's ServiceAccount must exist first.</summary>
    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Documents => [ServiceAccount, Role, RoleBinding, Job];

    /// <summary>The kinds a job manifest may hold, by apiVersion/kind: E2ePs applies these four and nothing else.</summary>
    private static readonly HashSet<string> s_managedKinds = new(StringComparer.Ordinal)
    {
        "v1/ServiceAccount", "rbac.authorization.k8s.io/v1/Role", "rbac.authorization.k8s.io/v1/RoleBinding", "batch/v1/Job",
    };

    /// <summary>
    /// Reads a job's manifest file and checks that it is one E2ePs can run as it is: the four documents
    /// named after the file, in one namespace, the RoleBinding granting its Role to its ServiceAccount,
    /// the Job with its test container and at least one completion. Get-E2eJob and Start-E2eJob both read
    /// through here, so a manifest either of them accepts the other accepts too.
    /// </summary>
    public static JobManifest Load(string path)
    {
        var manifest = Parse(File.ReadAllText(path), path);
        manifest.Check(path);
        return manifest;
    }

    /// <summary>Parses YAML text; <paramref name="source"/> names the file in errors.</summary>
    public static JobManifest Parse(string yaml, string source)
    {
        // First the YAML itself, document by document: a syntax error is reported with its line and the
        // parser's own sentence (KubernetesYaml would otherwise fail on some with "Operation is not valid
        // due to the current state of the object"), and a document of a kind E2ePs does not manage is
        // refused by name and line instead of being ignored.
        ScanDocuments(yaml, source);

        List<object> documents;
        try
        {
            documents = KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true);
        }
        catch (YamlException error)
        {
            throw new E2eException("InvalidManifest", E2eErrorCategory.InvalidData, source,
                $"'{source}' is not a valid Kubernetes manifest (line {error.Start.Line}, column {error.Start.Column}): {Innermost(error).Message}", error)
            {
                RecommendedAction = "Fix the YAML at that line, or scaffold the job again with New-E2eJob -Force.",
            };
        }
        catch (Exception error) when (error is InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException)
        {
            throw new E2eException("InvalidManifest", E2eErrorCategory.InvalidData, source,
                $"'{source}' is not a valid Kubernetes manifest: {error.Message}", error)
            {
                RecommendedAction = "Check the apiVersion and kind of each document, or scaffold the job again with New-E2eJob -Force.",
            };
        }

        return new JobManifest
        {
            ServiceAccount = Single<V1ServiceAccount>(documents, source),
            Role = Single<V1Role>(documents, source),
            RoleBinding = Single<V1RoleBinding>(documents, source),
            Job = Single<V1Job>(documents, source),
        };
    }

    private static void ScanDocuments(string yaml, string source)
    {
        // Event by event first: YamlDotNet throws a bare InvalidOperationException on some malformed
        // input (an unclosed '[' or '{'), so the position of the last good event and the innermost
        // unclosed flow collection are kept to say where the YAML goes wrong.
        var parser = new Parser(new StringReader(yaml));
        var last = Mark.Empty;
        var openFlows = new Stack<(string Bracket, Mark Start)>();
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case SequenceStart { Style: SequenceStyle.Flow } start:
                        openFlows.Push(("[", start.Start));
                        break;
                    case MappingStart { Style: MappingStyle.Flow } start:
                        openFlows.Push(("{", start.Start));
                        break;
                    case SequenceEnd { } or MappingEnd { } when openFlows.Count > 0:
                        openFlows.TryPop(out _);
                        break;
                }

                last = parser.Current!.End;
            }
        }
        catch (YamlException error)
        {
            throw new E2eException("InvalidManifest", E2eErrorCategory.InvalidData, source,
                $"'{source}' is not valid YAML (line {error.Start.Line}, column {error.Start.Column}): {Innermost(error).Message}", error)
            {
                RecommendedAction = "Fix the YAML at that line, or scaffold the job again with New-E2eJob -Force.",
            };
        }
        catch (InvalidOperationException error)
        {
            var where = openFlows.TryPeek(out var open)
                ? $"line {open.Start.Line}, column {open.Start.Column}): the '{open.Bracket}' opened here is never closed"
                : $"line {last.Line}, column {last.Column}): the YAML parser cannot go on after this point";
            throw new E2eException("InvalidManifest", E2eErrorCategory.InvalidData, source,
                $"'{source}' is not valid YAML ({where}.", error)
            {
                RecommendedAction = "Fix the YAML at that line, or scaffold the job again with New-E2eJob -Force.",
            };
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        foreach (var document in stream.Documents)
        {
            var root = document.RootNode;
            if (root is YamlScalarNode { Value: null or "" or "~" or "null" })
            {
                continue; // an empty document (a trailing '---')
            }

            var line = root.Start.Line;
            if (root is not YamlMappingNode map
                || Scalar(map, "apiVersion") is not { Length: > 0 } apiVersion
                || Scalar(map, "kind") is not { Length: > 0 } kind)
            {
                throw new E2eException("InvalidManifest", E2eErrorCategory.InvalidData, source,
                    $"'{source}' is not a valid Kubernetes manifest: the document at line {line} is not a Kubernetes object with an apiVersion and a kind.")
                {
                    RecommendedAction = "Each document between '---' lines must be an object with apiVersion, kind and metadata; scaffold the job again with New-E2eJob -Force to compare.",
                };
            }

            if (!s_managedKinds.Contains(apiVersion + "/" + kind))
            {
                var name = map.Children.TryGetValue(new YamlScalarNode("metadata"), out var metadata) && metadata is YamlMappingNode meta ? Scalar(meta, "name") : null;
                throw new E2eException("UnmanagedManifestDocument", E2eErrorCategory.InvalidData, source,
                    $"'{source}' holds a {kind}{(name is null ? "" : $" '{name}'")} ({apiVersion}) at line {line}. A job manifest holds only its ServiceAccount, Role, RoleBinding and Job: E2ePs would not apply anything else, and a cluster-wide object such as a ClusterRoleBinding has no place in a test's manifest.")
                {
                    RecommendedAction = "Move that document to a manifest of its own and apply it with kubectl, if it is really needed; then run the job again.",
                };
            }
        }
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    /// <summary>
    /// Refuses a manifest that would not run as the job its file names: documents renamed or in
    /// different namespaces, a RoleBinding to anything but its own Role and ServiceAccount, no test
    /// container, or a Job that can never start a pod.
    /// </summary>
    public void Check(string path)
    {
        var jobName = Job.Metadata?.Name ?? "";
        var fileName = Path.GetFileNameWithoutExtension(path);
        var expected = fileName.StartsWith("99-", StringComparison.Ordinal) && JobNames.ShortName(fileName[3..]) is not null ? fileName[3..] : jobName;
        var fix = $"Name all four documents '{expected}' (the name its file gives it), or scaffold the job again with New-E2eJob -Force.";
        if (jobName != expected)
        {
            throw new E2eException("ManifestNameMismatch", E2eErrorCategory.InvalidData, path,
                $"The Job in '{path}' is named '{jobName}', but the file defines the job '{expected}'. Started, it would create the Job '{jobName}' and the ServiceAccount, Role and RoleBinding '{expected}'.")
            {
                RecommendedAction = $"Rename the Job back to '{expected}', or rename the file to 99-{jobName}.yaml together with its ServiceAccount, Role and RoleBinding.",
            };
        }

        foreach (var (kind, name) in new[] { ("ServiceAccount", ServiceAccount.Metadata?.Name), ("Role", Role.Metadata?.Name), ("RoleBinding", RoleBinding.Metadata?.Name) })
        {
            if (name != expected)
            {
                throw new E2eException("ManifestNameMismatch", E2eErrorCategory.InvalidData, path,
                    $"The {kind} in '{path}' is named '{name}', but its Job is '{expected}'.") { RecommendedAction = fix };
            }
        }

        var podSpec = Job.Spec?.Template?.Spec;
        // A pod under another ServiceAccount (serviceAccountName: default) is left to run: it is what
        // Get-E2eDiagnostic names as the first thing to fix when its test then lacks permissions.
        if (RoleBinding.RoleRef is not { Kind: "Role" } roleRef || roleRef.Name != expected)
        {
            throw new E2eException("ManifestRoleBindingInvalid", E2eErrorCategory.InvalidData, path,
                $"The RoleBinding '{expected}' in '{path}' binds the {RoleBinding.RoleRef?.Kind} '{RoleBinding.RoleRef?.Name}'; an E2E job's RoleBinding grants its own Role '{expected}' and nothing else (a ClusterRole such as cluster-admin would give the test the whole namespace or more).")
            {
                RecommendedAction = $"Set roleRef to kind Role, name {expected}, and add the permissions the test needs to that Role's rules.",
            };
        }

        if (RoleBinding.Subjects is not { Count: > 0 } subjects || subjects.Any(s => s.Kind != "ServiceAccount" || s.Name != expected))
        {
            throw new E2eException("ManifestRoleBindingInvalid", E2eErrorCategory.InvalidData, path,
                $"The RoleBinding '{expected}' in '{path}' must grant its Role to the ServiceAccount '{expected}' only; it names {string.Join(", ", (RoleBinding.Subjects ?? []).Select(s => $"{s.Kind} '{s.Name}'"))}.")
            {
                RecommendedAction = $"Keep one subject: kind ServiceAccount, name {expected}.",
            };
        }

        var namespaces = Documents.Select(d => (Where: $"{d.Kind} {d.Metadata?.Name}", Namespace: (string?)d.Metadata?.NamespaceProperty))
            .Concat(subjects.Select(s => (Where: $"the RoleBinding's subject ServiceAccount {s.Name}", Namespace: (string?)s.NamespaceProperty)))
            .Where(n => !string.IsNullOrEmpty(n.Namespace))
            .ToList();
        if (namespaces.Select(n => n.Namespace).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            throw new E2eException("ManifestNamespaceMismatch", E2eErrorCategory.InvalidData, path,
                $"The documents of '{path}' are in different namespaces: {string.Join(", ", namespaces.Select(n => $"{n.Where} in '{n.Namespace}'"))}. E2ePs starts a job in one namespace and would move them all there.")
            {
                RecommendedAction = "Give every document (and the RoleBinding's subject) the same namespace, or none and pass -Namespace to Start-E2eJob.",
            };
        }

        if (podSpec?.Containers?.Any(c => c.Name == JobLabels.TestContainer) != true)
        {
            throw new E2eException("NoTestContainer", E2eErrorCategory.InvalidData, path,
                $"The Job '{expected}' in '{path}' has no container named '{JobLabels.TestContainer}' (it has {string.Join(", ", (podSpec?.Containers ?? []).Select(c => $"'{c.Name}'"))}). E2ePs reads the test's exit code, log and report from that container; without it a run could neither pass nor fail.")
            {
                RecommendedAction = $"Name the container that runs the tests '{JobLabels.TestContainer}', or scaffold the job again with New-E2eJob -Force.",
            };
        }

        if (Job.Spec?.Completions is 0 || Job.Spec?.Parallelism is 0)
        {
            var field = Job.Spec.Completions is 0 ? "completions" : "parallelism";
            throw new E2eException("InvalidJobSpec", E2eErrorCategory.InvalidData, path,
                $"The Job '{expected}' in '{path}' sets {field}: 0, so it would start no pod and run no test ({(field == "completions" ? "Kubernetes marks it Complete at once" : "it would wait forever")}).")
            {
                RecommendedAction = $"Remove spec.{field} (an E2E job runs one pod) or set it to 1.",
            };
        }
    }

    /// <summary>The manifest as YAML, documents separated by '---', after a comment header.</summary>
    public string ToYaml(string header)
    {
        var writer = new StringWriter { NewLine = "\n" };
        foreach (var line in header.Split('\n'))
        {
            writer.WriteLine(string.IsNullOrEmpty(line) ? "#" : "# " + line);
        }

        foreach (var document in Documents)
        {
            writer.WriteLine("---");
            var yaml = SerializeKeepingLineBreaks(document);
            writer.Write(yaml);
            if (!yaml.EndsWith('\n'))
            {
                writer.WriteLine();
            }
        }

        return writer.ToString();
    }

    /// <summary>
    /// KubernetesYaml picks a scalar's style itself, and for a multi-line value it picks one in which a
    /// CR LF is a YAML line break, read back as LF (YAML 1.2, 5.4 "Line Break Characters": breaks are
    /// normalized; YamlDotNet also breaks at NEL, LS and PS, as YAML 1.1 does). Only a double-quoted
    /// scalar can hold those characters, as escapes. So each of them in an env value is replaced by a
    /// marker no value holds, the document is serialized, and each scalar that holds a marker is
    /// rewritten, at the place the parser found it, as a one-line double-quoted scalar.
    /// </summary>
    private static string SerializeKeepingLineBreaks(IKubernetesObject<V1ObjectMeta> document)
    {
        var withBreaks = (document as V1Job)?.Spec?.Template?.Spec is { } pod
            ? (pod.InitContainers ?? []).Concat(pod.Containers ?? []).SelectMany(c => c.Env ?? []).Where(e => e.Value?.IndexOfAny(s_normalizedBreaks) >= 0).ToList()
            : [];
        if (withBreaks.Count == 0)
        {
            return KubernetesYaml.Serialize(document);
        }

        var marker = $"E2EPSBR{Guid.NewGuid():N}X";
        var originals = withBreaks.Select(e => e.Value).ToList();
        string yaml;
        try
        {
            foreach (var env in withBreaks)
            {
                env.Value = string.Concat(env.Value.Select(c => Array.IndexOf(s_normalizedBreaks, c) is var i and >= 0 ? marker + i.ToString(System.Globalization.CultureInfo.InvariantCulture) : c.ToString()));
            }

            yaml = KubernetesYaml.Serialize(document);
        }
        finally
        {
            for (var i = 0; i < withBreaks.Count; i++)
            {
                withBreaks[i].Value = originals[i];
            }
        }

        var spans = new List<(int Start, int End, string Value)>();
        var parser = new Parser(new StringReader(yaml));
        while (parser.MoveNext())
        {
            if (parser.Current is YamlDotNet.Core.Events.Scalar scalar && scalar.Value.Contains(marker, StringComparison.Ordinal))
            {
                var value = scalar.Value;
                for (var i = 0; i < s_normalizedBreaks.Length; i++)
                {
                    value = value.Replace(marker + i.ToString(System.Globalization.CultureInfo.InvariantCulture), s_normalizedBreaks[i].ToString(), StringComparison.Ordinal);
                }

                spans.Add(((int)scalar.Start.Index, (int)scalar.End.Index, value));
            }
        }

        var result = new System.Text.StringBuilder(yaml.Length);
        var position = 0;
        foreach (var (start, end, value) in spans)
        {
            result.Append(yaml, position, start - position).Append(DoubleQuoted(value));
            position = end;

            // A block scalar's span ends after its last line break; a quoted one ends at its quote.
            if (position > 0 && yaml[position - 1] == '\n')
            {
                result.Append('\n');
            }
        }

        return result.Append(yaml, position, yaml.Length - position).ToString();
    }

    /// <summary>Characters that a YAML parser reads as line breaks and normalizes to LF: CR, NEL, LS, PS.</summary>
    private static readonly char[] s_normalizedBreaks = ['\r', '\u0085', '\u2028', '\u2029'];

    /// <summary>A one-line YAML double-quoted scalar (YAML 1.2, 7.3.1): every non-printable character escaped.</summary>
    public static string DoubleQuoted(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var quoted = new System.Text.StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                _ when c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029' || c == '\ufeff' || c >= '\ufffe' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }

    /// <summary>The test container of the Job.</summary>
    public V1Container TestContainer =>
        Job.Spec?.Template?.Spec?.Containers?.FirstOrDefault(c => c.Name == JobLabels.TestContainer)
        ?? throw new E2eException("NoTestContainer", E2eErrorCategory.InvalidData, Job.Metadata?.Name,
            $"The Job '{Job.Metadata?.Name}' has no container named '{JobLabels.TestContainer}' ({string.Join(", ", (Job.Spec?.Template?.Spec?.Containers ?? []).Select(c => c.Name))}). E2ePs reads the test's exit code, log and report from that container; without it a run cannot pass or fail.")
        {
            RecommendedAction = $"Name the container that runs the tests '{JobLabels.TestContainer}', or scaffold the job again with New-E2eJob -Force.",
        };

    /// <summary>The init container that clones the repository, if the Job has one.</summary>
    public V1Container? CloneContainer =>
        Job.Spec?.Template?.Spec?.InitContainers?.FirstOrDefault(c => c.Name == JobLabels.CloneContainer);

    private static T Single<T>(List<object> documents, string source)
    {
        var matches = documents.OfType<T>().ToList();
        if (matches.Count == 1)
        {
            return matches[0];
        }

        var kind = typeof(T).Name[2..];
        throw new E2eException("InvalidManifest", E2eErrorCategory.InvalidData, source,
            $"'{source}' must hold exactly one {kind}; it holds {matches.Count}.")
        {
            RecommendedAction = "An E2ePs job manifest holds one ServiceAccount, Role, RoleBinding and Job. Scaffold it again with New-E2eJob -Force.",
        };
    }

    private static Exception Innermost(Exception error)
    {
        while (error.InnerException is not null)
        {
            error = error.InnerException;
        }

        return error;
    }
}
