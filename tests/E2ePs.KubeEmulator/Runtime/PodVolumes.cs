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
        var ns = pod.Obj("metadata").Str("namespace") ?? "default";
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
                WriteData(path, ns, "secrets", secret.Str("secretName") ?? "", secret, lookup);
            }
            else if (volume["configMap"] is JsonObject configMap)
            {
                WriteData(path, ns, "configmaps", configMap.Str("name") ?? "", configMap, lookup);
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

    private static void WriteData(string path, string ns, string resource, string sourceName, JsonObject volume, ObjectLookup lookup)
    {
        var source = lookup(resource, sourceName);
        var volumeName = Path.GetFileName(path);
        if (source is null)
        {
            if (volume.Flag("optional"))
            {
                return;
            }

            throw new VolumeSetupError($"MountVolume.SetUp failed for volume \"{volumeName}\" : {ContainerSpec.NotFound(resource, sourceName)}");
        }

        var data = ContainerSpec.DataOf(source, resource == "secrets");
        var defaultMode = (UnixFileMode)(volume.Num("defaultMode") ?? 420); // 0644
        var files = new List<(string Key, string Path, UnixFileMode Mode)>();
        if (volume["items"] is JsonArray items)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                var key = item.Str("key") ?? "";
                if (!data.ContainsKey(key))
                {
                    if (volume.Flag("optional"))
                    {
                        continue;
                    }

                    var kind = resource == "secrets" ? "secret" : "configmap";
                    throw new VolumeSetupError($"MountVolume.SetUp failed for volume \"{volumeName}\" : {kind} references non-existent {kind} key: {key}");
                }

                files.Add((key, item.Str("path") ?? key, item.Num("mode") is { } m ? (UnixFileMode)m : defaultMode));
            }
        }
        else
        {
            files.AddRange(data.Keys.Select(k => (k, k, defaultMode)));
        }

        foreach (var (key, relative, mode) in files)
        {
            if (Path.IsPathRooted(relative) || relative.Split('/').Contains(".."))
            {
                throw new VolumeSetupError($"MountVolume.SetUp failed for volume \"{volumeName}\" : invalid path {relative}");
            }

            var file = Path.Combine(path, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, data[key]);
            SetMode(file, mode);
        }
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
