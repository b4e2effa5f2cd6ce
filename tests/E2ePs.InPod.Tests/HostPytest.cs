using System.Xml.Linq;
using E2ePs.TestSupport;

namespace E2ePs.InPod.Tests;

/// <summary>What pytest itself reports on the host for a test path of a branch: the reference every in-pod and pipeline report is compared with.</summary>
public static class HostPytest
{
    /// <summary>pytest on the host (Debian's python3-pytest), on a clone of the branch, with the runner's options.</summary>
    public static (int ExitCode, XDocument Report, string Source) Run(string cloneUrl, string branch, string testPath)
    {
        var folder = Directory.CreateTempSubdirectory("host-pytest-").FullName;
        try
        {
            var source = Path.Combine(folder, "src");
            Tools.Run("git", ["clone", "--quiet", "--branch", branch, cloneUrl, source]).EnsureSuccess();
            var report = Path.Combine(folder, "host.xml");
            // The same command line as run_test.py; the output (50 MB for one job) goes to a file, not to memory.
            var run = Tools.Run("/bin/sh", ["-c", "cd \"$1\" && exec /usr/bin/python3 -m pytest \"$2\" -v --tb=short --junitxml=\"$3\" >\"$4\" 2>&1",
                "sh", source, testPath, report, Path.Combine(folder, "host.log")]);
            Assert.True(File.Exists(report), $"pytest on the host wrote no report (exit code {run.ExitCode}): {File.ReadAllText(Path.Combine(folder, "host.log"))}");
            return (run.ExitCode, XDocument.Load(report), source);
        }
        finally
        {
            Tools.DeleteFolder(folder);
        }
    }
}
