using System.Globalization;
using System.Security.Cryptography;

namespace E2ePs.Engine.Runs;

/// <summary>Run ids: sortable by start time, unique enough to tell two runs of a second apart, valid as label values.</summary>
public static class RunIds
{
    /// <summary>What the id of a Job without an e2eps.io/run-id label starts with.</summary>
    public const string FromUidPrefix = "uid-";

    /// <summary>A new run id such as 20261128-063015-3f9a1c, for a run started at <paramref name="now"/>.</summary>
    public static string New(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" +
        Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();

    /// <summary>
    /// The id of a run whose Job has no run-id label (applied with kubectl from the manifest): uid-&lt;the
    /// first 12 hex digits of the Job's UID&gt;. From the UID rather than the creation time, because the UID
    /// is unique and never changes, so the same Job has the same id in every listing; two Jobs created in
    /// the same second would share a time.
    /// </summary>
    public static string FromUid(string uid)
    {
        ArgumentException.ThrowIfNullOrEmpty(uid);
        var hex = uid.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        return FromUidPrefix + hex[..Math.Min(12, hex.Length)];
    }

    /// <summary>Whether a run id was made by <see cref="FromUid"/>: its Job and pods carry no run-id label.</summary>
    public static bool IsFromUid(string? runId) => runId?.StartsWith(FromUidPrefix, StringComparison.Ordinal) == true;
}
