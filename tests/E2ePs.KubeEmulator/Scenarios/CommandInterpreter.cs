using System.Globalization;
using System.Text;

namespace E2ePs.KubeEmulator.Scenarios;

/// <summary>
/// Runs the few shell commands E2E containers use without a scenario: echo, sleep, exit, true/false,
/// "sh -c" sequences of them, and DNS look-ups (nslookup, getent hosts) answered from the emulated Services.
/// </summary>
internal static class CommandInterpreter
{
    /// <summary>Resolves a name as cluster DNS would for a pod in <c>namespace</c>: (FQDN, ClusterIP) or null.</summary>
    public delegate (string Fqdn, string Ip)? DnsResolver(string name);

    public static ContainerPlan Plan(IReadOnlyList<string> argv, double sleepScale, string podNamespace, DnsResolver resolve)
    {
        var lines = new List<(TimeSpan, string)>();
        var clock = TimeSpan.Zero;
        var exit = 0;
        if (argv.Count == 0)
        {
            return new ContainerPlan([(TimeSpan.Zero, "emulator: container started with the image's default command")], 0, 100, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMilliseconds(50), 0, false);
        }

        IEnumerable<List<string>> statements = IsShell(argv) && argv.Count >= 3 && argv[1] == "-c"
            ? SplitScript(argv[2])
            : [argv.ToList()];
        foreach (var words in statements)
        {
            if (words.Count == 0)
            {
                continue;
            }

            var cmd = Path.GetFileName(words[0]);
            switch (cmd)
            {
                case "echo":
                    var newline = words.Count > 1 && words[1] == "-n";
                    lines.Add((clock, string.Join(' ', words.Skip(newline ? 2 : 1))));
                    exit = 0;
                    break;
                case "sleep":
                    if (words.Count > 1 && double.TryParse(words[1].TrimEnd('s'), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
                    {
                        clock += TimeSpan.FromSeconds(seconds * sleepScale);
                    }

                    exit = 0;
                    break;
                case "exit":
                    exit = words.Count > 1 && int.TryParse(words[1], out var code) ? code : exit;
                    return Finish(lines, clock, exit);
                case "true":
                    exit = 0;
                    break;
                case "false":
                    exit = 1;
                    break;
                case "nslookup":
                    exit = Nslookup(words.Count > 1 ? words[^1] : "", podNamespace, resolve, clock, lines);
                    break;
                case "getent":
                    exit = Getent(words, resolve, clock, lines);
                    break;
                default:
                    lines.Add((clock, $"emulator: simulated '{string.Join(' ', words)}'"));
                    clock += TimeSpan.FromMilliseconds(50);
                    exit = 0;
                    break;
            }
        }

        return Finish(lines, clock, exit);
    }

    private static ContainerPlan Finish(List<(TimeSpan, string)> lines, TimeSpan clock, int exit) =>
        new(lines, 0, 100, clock, TimeSpan.Zero, clock, exit, false);

    private static bool IsShell(IReadOnlyList<string> argv) => Path.GetFileName(argv[0]) is "sh" or "bash" or "ash" or "dash";

    private static int Nslookup(string name, string podNamespace, DnsResolver resolve, TimeSpan clock, List<(TimeSpan, string)> lines)
    {
        lines.Add((clock, "Server:\t\t10.96.0.10"));
        lines.Add((clock, "Address:\t10.96.0.10:53"));
        lines.Add((clock, ""));
        var answer = resolve(name);
        if (answer is null)
        {
            var fqdn = name.Contains('.', StringComparison.Ordinal) ? name : name + "." + podNamespace + ".svc.cluster.local";
            lines.Add((clock, $"** server can't find {fqdn}: NXDOMAIN"));
            lines.Add((clock, ""));
            return 1;
        }

        lines.Add((clock, $"Name:\t{answer.Value.Fqdn}"));
        lines.Add((clock, $"Address: {answer.Value.Ip}"));
        lines.Add((clock, ""));
        return 0;
    }

    private static int Getent(List<string> words, DnsResolver resolve, TimeSpan clock, List<(TimeSpan, string)> lines)
    {
        if (words.Count < 3 || words[1] is not ("hosts" or "ahosts"))
        {
            return 1;
        }

        var answer = resolve(words[2]);
        if (answer is null)
        {
            return 2; // getent's "key not found", with no output
        }

        lines.Add((clock, $"{answer.Value.Ip,-15} {answer.Value.Fqdn}"));
        return 0;
    }

    /// <summary>Splits a shell script on ';', '&amp;&amp;', '||' and newlines into words, honouring quotes.</summary>
    public static IEnumerable<List<string>> SplitScript(string script)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < script.Length; i++)
        {
            var c = script[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }

                continue;
            }

            if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
                continue;
            }

            var separator = c is ';' or '\n' || (c is '&' or '|' && i + 1 < script.Length && script[i + 1] == c);
            if (separator || char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                if (separator)
                {
                    if (c is '&' or '|')
                    {
                        i++;
                    }

                    yield return words;
                    words = [];
                }

                continue;
            }

            word.Append(c);
            inWord = true;
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        yield return words;
    }
}
