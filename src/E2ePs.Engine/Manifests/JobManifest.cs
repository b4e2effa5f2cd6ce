using E2ePs.Contracts;
using k8s;
using k8s.Models;
using YamlDotNet.Core;

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

    /// <summary>Parses YAML text; <paramref name="source"/> names the file in errors.</summary>
    public static JobManifest Parse(string yaml, string source)
    {
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
        ?? Job.Spec?.Template?.Spec?.Containers?.FirstOrDefault()
        ?? throw new E2eException("InvalidManifest", E2eErrorCategory.InvalidData, Job.Metadata?.Name, "The Job has no container.");

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
