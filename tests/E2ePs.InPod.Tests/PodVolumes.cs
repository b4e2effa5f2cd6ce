using E2ePs.TestSupport;
using k8s.Models;

namespace E2ePs.InPod.Tests;

/// <summary>
/// The volumes of one pod as host folders, prepared as the kubelet prepares them, so the same folder is
/// shared by the init container and the containers:
/// - emptyDir: a folder of mode 0777 (kubernetes pkg/volume/emptydir/empty_dir.go, perm 0777);
/// - Secret: one file per key, mode defaultMode (0644 when unset; kubernetes pkg/volume/secret/secret.go);
/// - with the pod's fsGroup, every volume is then made group-owned by it, with group read (and, unless
///   read-only, write) permission and the setgid bit on folders (kubernetes pkg/volume/volume_linux.go,
///   SetVolumeOwnership: rwMask 0660, roMask 0440, os.ModeSetgid on directories).
/// </summary>
public sealed class PodVolumes : IDisposable
{
    private readonly Dictionary<string, string> _folders = new(StringComparer.Ordinal);

    /// <summary>Creates the pod's volumes; <paramref name="secrets"/> holds each Secret's data by Secret name.</summary>
    public PodVolumes(V1PodSpec pod, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(pod);
        Folder = Directory.CreateTempSubdirectory("pod-volumes-").FullName;
        var fsGroup = pod.SecurityContext?.FsGroup;
        foreach (var volume in pod.Volumes ?? [])
        {
            var folder = Path.Combine(Folder, volume.Name);
            Directory.CreateDirectory(folder);
            _folders[volume.Name] = folder;
            if (volume.EmptyDir is not null)
            {
                Chmod("0777", folder);
                if (fsGroup is { } group)
                {
                    Tools.Run("chgrp", [$"{group}", folder]).EnsureSuccess();
                    Chmod("2777", folder);
                }
            }
            else if (volume.Secret is { } secret)
            {
                var data = secrets?.GetValueOrDefault(secret.SecretName)
                    ?? throw new InvalidOperationException($"The test gave no data for Secret '{secret.SecretName}' of volume '{volume.Name}'.");
                var mode = Convert.ToString(secret.DefaultMode ?? 0x1A4 /* 0644 */, 8);
                foreach (var (key, value) in data)
                {
                    var file = Path.Combine(folder, key);
                    File.WriteAllText(file, value);
                    if (fsGroup is { } group)
                    {
                        Tools.Run("chgrp", [$"{group}", file]).EnsureSuccess();
                    }

                    Chmod(mode, file);
                }

                if (fsGroup is { } folderGroup)
                {
                    Tools.Run("chgrp", [$"{folderGroup}", folder]).EnsureSuccess();
                    Chmod("2755", folder);
                }
            }
            else
            {
                throw new NotSupportedException($"Volume '{volume.Name}' is neither an emptyDir nor a Secret.");
            }
        }
    }

    /// <summary>The folder that holds every volume.</summary>
    public string Folder { get; }

    /// <summary>The host folder of a volume.</summary>
    public string HostFolder(string volume) => _folders.TryGetValue(volume, out var folder)
        ? folder
        : throw new InvalidOperationException($"The pod has no volume '{volume}'.");

    /// <inheritdoc />
    public void Dispose() => Tools.DeleteFolder(Folder);

    private static void Chmod(string mode, string path) => Tools.Run("chmod", [mode, path]).EnsureSuccess();
}
