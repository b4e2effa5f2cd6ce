using System.Text.Json.Nodes;
using E2ePs.KubeEmulator.Store;

namespace E2ePs.KubeEmulator.Runtime;

/// <summary>
/// A pod's volumes as folders on the host, shared by its init containers and containers:
/// emptyDir (mode 0777, pkg/volume/emptydir/empty_dir.go), Secret and ConfigMap volumes as files written from their
/// data, honouring items (key, path, mode), defaultMode (0644) and optional (pkg/volume/secret/secret.go,
/// pkg/volume/configmap/configmap.go), and fsGroup ownership: group fsGroup, setgid on folders, group read(-write)
/// on files (pkg/volume/volume_linux.go, SetVolumeOwnership).
/// </summary>
internal static class PodVolumes
{
    private const UnixFileMode SetGid = UnixFileMode.SetGroup;

    /// <summary>Secret and ConfigMap volumes are mounted read-only (the kubelet's ReadOnlyAPIDataVolumes behaviour).</summary>
    public static bool IsReadOnly(JsonObject pod, string volume) =>
        (pod.Obj("spec")["volumes"] as JsonArray ?? []).OfType<JsonObject>()
            .Any(v => v.Str("name") == volume && (v["secret"] is JsonObject || v["configMap"] is JsonObject));

    /// <summary>Creates every volume under <paramref name="folder"/>; returns volume name -> host path.</summary>
    public static Dictionary<string, string> Create(string folder, JsonObject pod, ObjectLookup lookup)
    {
        var spec = pod.Obj("spec");
        var fsGroup = (spec["securityContext"] as JsonObject)?.Num("fsGroup") is { } g ? (int)g : (int?)null;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = volume.Str("name") ?? "";
            var path = Path.Combine(folder, name);
            Directory.CreateDirectory(path);
            if (volume["emptyDir"] is JsonObject)
            {
                SetMode(path, (UnixFileMode)0b111_111_111);
            }
            else if (volume["secret"] is JsonObject secret)
            {
                WriteData(path, "secrets", secret.Str("secretName") ?? "", secret, lookup);
            }
            else if (volume["configMap"] is JsonObject configMap)
            {
                WriteData(path, "configmaps", configMap.Str("name") ?? "", configMap, lookup);
            }
            else
            {
                var kind = volume.Select(p => p.Key).FirstOrDefault(k => k != "name") ?? "unknown";
                throw new VolumeSetupError($"MountVolume.SetUp failed for volume \"{name}\" : volume type {kind} is not supported by the emulator's buildah runtime");
            }

            if (fsGroup is not null)
            {
                SetOwnership(path, fsGroup.Value, readOnly: volume["emptyDir"] is null);
            }

            result[name] = path;
        }

        return result;
    }

    /// <summary>
    /// Throws the FailedMount a kubelet reports when a Secret or ConfigMap volume cannot be set up: the object or an
    /// item's key is missing and the volume is not optional (pkg/volume/secret/secret.go, pkg/volume/configmap/configmap.go,
    /// SetUpAt). Both runtimes call it before a pod's first container; the simulated one writes no files.
    /// </summary>
    public static void Verify(JsonObject pod, ObjectLookup lookup)
    {
        var spec = pod.Obj("spec");
        foreach (var volume in (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = volume.Str("name") ?? "";
            if (volume["secret"] is JsonObject secret)
            {
                FilesOf(name, "secrets", secret.Str("secretName") ?? "", secret, lookup);
            }
            else if (volume["configMap"] is JsonObject configMap)
            {
                FilesOf(name, "configmaps", configMap.Str("name") ?? "", configMap, lookup);
            }
        }
    }

    private static void WriteData(string path, string resource, string sourceName, JsonObject volume, ObjectLookup lookup)
    {
        foreach (var (relative, bytes, mode) in FilesOf(Path.GetFileName(path), resource, sourceName, volume, lookup))
        {
            if (Path.IsPathRooted(relative) || relative.Split('/').Contains(".."))
            {
                throw new VolumeSetupError($"MountVolume.SetUp failed for volume \"{Path.GetFileName(path)}\" : invalid path {relative}");
            }

            var file = Path.Combine(path, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, bytes);
            SetMode(file, mode);
        }
    }

    /// <summary>The files a Secret or ConfigMap volume holds (path, content, mode); throws VolumeSetupError when its source or a key is missing.</summary>
    private static List<(string Path, byte[] Bytes, UnixFileMode Mode)> FilesOf(string volumeName, string resource, string sourceName, JsonObject volume, ObjectLookup lookup)
    {
        var files = new List<(string, byte[], UnixFileMode)>();
        var source = lookup(resource, sourceName);
        if (source is null)
        {
            if (volume.Flag("optional"))
            {
                return files;
            }

            throw new VolumeSetupError($"MountVolume.SetUp failed for volume \"{volumeName}\" : {ContainerSpec.NotFound(resource, sourceName)}");
        }

        var data = ContainerSpec.DataOf(source, resource == "secrets");
        var defaultMode = (UnixFileMode)(volume.Num("defaultMode") ?? 420); // 0644
        if (volume["items"] is JsonArray items)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                var key = item.Str("key") ?? "";
                if (!data.TryGetValue(key, out var bytes))
                {
                    if (volume.Flag("optional"))
                    {
                        continue;
                    }

                    // pkg/volume/secret/secret.go and pkg/volume/configmap/configmap.go word it differently.
                    var missing = resource == "secrets" ? "references non-existent secret key" : "configmap references non-existent config key";
                    throw new VolumeSetupError($"MountVolume.SetUp failed for volume \"{volumeName}\" : {missing}: {key}");
                }

                files.Add((item.Str("path") ?? key, bytes, item.Num("mode") is { } m ? (UnixFileMode)m : defaultMode));
            }
        }
        else
        {
            files.AddRange(data.Select(d => (d.Key, d.Value, defaultMode)));
        }

        return files;
    }

    /// <summary>chgrp fsGroup, setgid on folders, group rw (or r for read-only volumes) on everything, as SetVolumeOwnership does.</summary>
    private static void SetOwnership(string root, int fsGroup, bool readOnly)
    {
        var groupBits = readOnly ? UnixFileMode.GroupRead : UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Prepend(root))
        {
            if (NativeMethods.Chown(entry, -1, fsGroup) != 0)
            {
                throw new VolumeSetupError($"MountVolume.SetUp failed for volume \"{Path.GetFileName(root)}\" : chown {entry}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
            }

            var mode = GetMode(entry) | groupBits;
            if (Directory.Exists(entry))
            {
                mode |= SetGid | UnixFileMode.GroupExecute;
            }

            SetMode(entry, mode);
        }
    }

    // The real runtime runs on Linux only (buildah); the guards keep the platform analyzer honest.
    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static UnixFileMode GetMode(string path) => OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(path);
}
