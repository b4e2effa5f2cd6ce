using System.Text;

namespace E2ePs.Engine.Tests.Support;

/// <summary>
/// An independent port, for the tests, of the kubelet's expansion of $(VAR) in env values:
/// kubernetes/kubernetes third_party/forked/golang/expansion/expand.go (Expand, tryReadVariableName,
/// MappingFuncFor). The kubelet (pkg/kubelet/kubelet_pods.go, makeEnvironmentVariables) expands each
/// value with the variables defined before it in the container's env list.
/// </summary>
public static class KubernetesExpansion
{
    /// <summary>Expand(input, MappingFuncFor(variables)): an unknown $(NAME) stays as written.</summary>
    public static string Expand(string input, IReadOnlyDictionary<string, string> variables)
    {
        var buffer = new StringBuilder();
        var checkpoint = 0;
        for (var cursor = 0; cursor < input.Length; cursor++)
        {
            if (input[cursor] == '$' && cursor + 1 < input.Length)
            {
                buffer.Append(input, checkpoint, cursor - checkpoint);
                var (read, isVariable, advance) = TryReadVariableName(input[(cursor + 1)..]);
                buffer.Append(isVariable ? (variables.TryGetValue(read, out var value) ? value : "$(" + read + ")") : read);
                cursor += advance;
                checkpoint = cursor + 1;
            }
        }

        return buffer.Append(input, checkpoint, input.Length - checkpoint).ToString();
    }

    private static (string Read, bool IsVariable, int Advance) TryReadVariableName(string input)
    {
        // Go decodes one rune; a surrogate pair is one rune of two UTF-16 units here.
        var size = char.IsHighSurrogate(input[0]) && input.Length > 1 && char.IsLowSurrogate(input[1]) ? 2 : 1;
        switch (input[0])
        {
            case '$':
                return (input[..size], false, size);
            case '(':
                for (var i = 1; i < input.Length; i++)
                {
                    if (input[i] == ')')
                    {
                        return (input[1..i], true, i + 1);
                    }
                }

                return ("$(", false, 1);
            default:
                return ("$" + input[..size], false, size);
        }
    }

    /// <summary>What the kubelet gives a container for its env list: each value expanded with the ones before it.</summary>
    public static Dictionary<string, string> Environment(IEnumerable<k8s.Models.V1EnvVar> env)
    {
        var defined = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in env)
        {
            if (variable.Value is not null)
            {
                defined[variable.Name] = Expand(variable.Value, defined);
            }
        }

        return defined;
    }
}
