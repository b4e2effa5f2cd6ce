using Xunit;

namespace SampleTests;

// Every outcome a report can carry, and names and messages that XML must escape.
public class OutcomeTests
{
    [Fact]
    public void Passes() => Assert.Equal(2, 1 + 1);

    [Fact]
    public void FailsWithMarkupInMessage() =>
        Assert.Fail("expected <tag attr=\"v\"> & 'single' quotes");

    [Fact]
    public void ThrowsAnException() =>
        throw new InvalidOperationException("value <none> & nothing \"else\"");

    [Fact(Skip = "skipped on purpose: <not> & \"now\"")]
    public void IsSkipped() => throw new InvalidOperationException("never runs");

    [Fact]
    public async Task IsSlow()
    {
        await Task.Delay(2000);
        Assert.True(true);
    }

    [Fact]
    public void Café_naïve_日本語_FailsWithÜnïcödé() =>
        Assert.Fail("Ünïcödé ≠ ASCII: 日本語 & emoji 🚀");

    [Theory]
    [InlineData("ß")]
    [InlineData("中文")]
    public void ParametrizedIds(string word) => Assert.NotEmpty(word);
}
