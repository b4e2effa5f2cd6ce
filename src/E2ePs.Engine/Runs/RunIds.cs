using System.Globalization;
using System.Security.Cryptography;

namespace E2ePs.Engine.Runs;

/// <summary>Run ids: sortable by start time, unique enough to tell two runs of a second apart, valid as label values.</summary>
public static class RunIds
{
    /// <summary>A new run id such as 20261128-063015-3f9a1c, for a run started at <paramref name="now"/>.</summary>
    public static string New(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" +
        Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
}
