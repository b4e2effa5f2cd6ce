using E2ePs.Engine.Waiting;

namespace E2ePs.Engine.Tests.Waiting;

/// <summary>
/// When a resourceVersion says the API server's history went back (an etcd restore). The values are shaped as an
/// etcd-backed API server serves them (decimal etcd revisions, staging/src/k8s.io/apiserver/pkg/storage/etcd3);
/// anything else is opaque and never compared.
/// </summary>
public sealed class ResourceVersionOrderTests
{
    [Theory]
    [InlineData("900", "1200", true)]
    [InlineData("1200", "1200", false)]
    [InlineData("1201", "1200", false)]
    [InlineData("99", "100", true)]
    [InlineData("900", null, false)]
    [InlineData(null, "900", false)]
    [InlineData("opaque-2", "opaque-3", false)]
    [InlineData("-1", "5", false)]
    public void IsOlder_compares_decimal_revisions_only(string? candidate, string? seen, bool older) =>
        Assert.Equal(older, ResourceVersionOrder.IsOlder(candidate, seen));

    [Theory]
    [InlineData(null, "5", "5")]
    [InlineData("5", null, "5")]
    [InlineData("5", "7", "7")]
    [InlineData("70", "7", "70")]
    [InlineData("abc", "def", "def")]
    public void Max_keeps_the_highest_or_the_newest_when_not_comparable(string? current, string? next, string? expected) =>
        Assert.Equal(expected, ResourceVersionOrder.Max(current, next));

    [Theory]
    [InlineData(RelistCause.First, false, null)]
    [InlineData(RelistCause.Reconnected, false, "connection to the API server dropped")]
    [InlineData(RelistCause.Expired, false, "410")]
    [InlineData(RelistCause.ResourceVersionTooLarge, true, "had not reached resourceVersion 1200")]
    [InlineData(RelistCause.ResourceVersionWentBack, true, "went back from 1200 to 900")]
    public void A_listing_says_why_it_was_made(RelistCause cause, bool wentBack, string? explanation)
    {
        var listing = new Listing<string>([], "900", cause, "1200");
        Assert.Equal(wentBack, listing.ServerWentBack);
        if (explanation is null)
        {
            Assert.Null(listing.Explanation);
        }
        else
        {
            Assert.Contains(explanation, listing.Explanation, StringComparison.Ordinal);
        }
    }
}
